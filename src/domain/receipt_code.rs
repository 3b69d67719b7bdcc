//! The receipt code's format, without the randomness that draws one or the ballots it names:
//! 100 bits in Crockford's base 32 (no I, L, O, U), as four groups of five (`7XK2M-…`).
//! Typing is forgiving: case, spaces and dashes do not matter, and `I`/`L` read as `1`, `O`
//! as `0`. The service draws codes (`service::receipts::generate`); `kurultai verify` checks
//! an archive's codes with `normalise`. Other codes people type (`domain::one_time_code`)
//! use the same [`CodeFormat`] with fewer groups.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUP_LEN: usize = 5;

/// Codes of `groups` groups of five symbols of Crockford's base 32, 5 bits each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeFormat {
    pub groups: usize,
}

/// The receipt's format: four groups, 100 bits.
pub const RECEIPT: CodeFormat = CodeFormat { groups: 4 };

/// How many random bits a receipt code carries.
pub const BITS: u32 = RECEIPT.bits();

impl CodeFormat {
    /// How many bits a code of this format carries.
    pub const fn bits(self) -> u32 {
        (self.groups * GROUP_LEN * 5) as u32
    }

    /// The code of the low [`bits`](Self::bits) bits of `bits` (higher bits are ignored).
    pub fn encode(self, bits: u128) -> String {
        let symbols: Vec<u8> = (0..self.groups * GROUP_LEN)
            .map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize])
            .collect();
        grouped(&symbols)
    }

    /// The canonical form of a typed code, or `None` if it cannot be one.
    pub fn normalise(self, input: &str) -> Option<String> {
        let len = self.groups * GROUP_LEN;
        let mut symbols = Vec::with_capacity(len);
        for c in input.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || symbols.len() == len {
                return None;
            }
            symbols.push(c as u8);
        }
        (symbols.len() == len).then(|| grouped(&symbols))
    }
}

/// The receipt code of the low `BITS` bits of `bits` (higher bits are ignored).
pub fn encode(bits: u128) -> String {
    RECEIPT.encode(bits)
}

/// The canonical form of a typed receipt code, or `None` if it cannot be one.
pub fn normalise(input: &str) -> Option<String> {
    RECEIPT.normalise(input)
}

/// Symbols of the alphabet, in groups joined by dashes.
fn grouped(symbols: &[u8]) -> String {
    symbols
        .chunks(GROUP_LEN)
        .map(|c| std::str::from_utf8(c).expect("ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_four_groups_of_five_from_the_low_bits() {
        assert_eq!(encode(0), "00000-00000-00000-00000");
        assert_eq!(encode(1), "10000-00000-00000-00000");
        assert_eq!(encode(31 << 95), "00000-00000-00000-0000Z");
        assert_eq!(encode(u128::MAX), encode(u128::MAX >> (128 - BITS)));
    }

    #[test]
    fn typing_is_forgiving_but_not_loose() {
        let code = encode(0x0001_2345_6789_abcd_ef01_2345_6789);
        assert_eq!(normalise(&code).as_deref(), Some(code.as_str()));
        let sloppy = code
            .to_lowercase()
            .replace('-', " ")
            .replace('1', "l")
            .replace('0', "o");
        assert_eq!(normalise(&sloppy).as_deref(), Some(code.as_str()));
        assert_eq!(normalise("too short"), None);
        assert_eq!(normalise(&format!("{code}U")), None);
        assert_eq!(normalise(&format!("{code}0")), None);
    }
}
