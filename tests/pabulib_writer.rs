//! The writer: round trips, strictness, and acceptance by pabulib-checker.
//!
//! The checker part runs when `KURULTAI_PB_CHECKER` names a Python interpreter that has
//! `pabulib-checker` installed (`1` means `python3`); otherwise it says it skipped.

use kurultai::pabulib::{self, PbFile, PbWriteError};
use std::path::{Path, PathBuf};

const APPROVAL: &str = "META
key;value
description;Hand-made approval election
country;Kazakhstan
unit;Almaty
instance;2025
num_projects;3
num_votes;4
budget;1000.50
vote_type;approval
rule;greedy
date_begin;01.03.2025
date_end;31.03.2025
max_length;2
max_sum_cost;1000.50
language;kk
currency;KZT
comment;#1: written by tests/pabulib_writer.rs
PROJECTS
project_id;cost;votes;name;selected
1;600.25;3;\"Park; with a fountain\";1
2;400;2;Library \"Kitap\";1
3;500;1;Bike lane;0
VOTES
voter_id;vote;voting_method
a;1,2;internet
b;1;paper
c;2,1;internet
d;3;internet
";

const CUMULATIVE: &str = "META
key;value
description;Hand-made cumulative election
country;Kyrgyzstan
unit;Bishkek
instance;2025
num_projects;2
num_votes;3
budget;100
vote_type;cumulative
rule;greedy
date_begin;2025
date_end;2025
max_sum_points;5
currency;KGS
PROJECTS
project_id;cost;score;name;selected
x;60;7;Yurt museum;1
y;50;6;Playground;0
VOTES
voter_id;vote;points
1;x,y;3,2
2;y,x;4,1
3;x;3
";

const ORDINAL: &str = "META
key;value
description;Hand-made ordinal election
country;Azerbaijan
unit;Baku
instance;2025
num_projects;3
num_votes;2
budget;10
vote_type;ordinal
rule;greedy
date_begin;2025
date_end;2025
max_length;2
currency;AZN
PROJECTS
project_id;cost;score;name;selected
a;5;3;Trees;1
b;5;3;Benches;1
c;5;0;Lamps;0
VOTES
voter_id;vote
1;a,b
2;b,a
";

fn fixture_files() -> Vec<PathBuf> {
    let dir = std::env::var_os("KURULTAI_PABULIB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/pabulib")
        });
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIPPED fixture round trips: {} not found (set KURULTAI_PABULIB_DIR)",
            dir.display()
        );
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pb"))
        .collect();
    files.sort();
    files
}

fn round_trip(original: &PbFile) -> (String, PbFile) {
    let text = pabulib::write_string(original).expect("a valid file is written");
    let back = pabulib::read_str(&text).expect("written files read back");
    assert_eq!(
        back,
        original.canonical(),
        "read → write → read changed the file"
    );
    assert_eq!(
        back.election().unwrap(),
        original.election().unwrap(),
        "the election changed"
    );
    assert_eq!(
        pabulib::write_string(&back).unwrap(),
        text,
        "writing is not stable"
    );
    (text, back)
}

#[test]
fn hand_made_files_round_trip() {
    for text in [APPROVAL, CUMULATIVE, ORDINAL] {
        round_trip(&pabulib::read_str(text).unwrap());
    }
}

#[test]
fn fixtures_round_trip() {
    for path in fixture_files() {
        let file = pabulib::read_path(&path).unwrap();
        round_trip(&file);
    }
}

/// The file with voter ids `1..N` in file order, as a streamed file needs them.
fn renumbered(file: &PbFile) -> PbFile {
    let mut file = file.clone();
    let id = file.votes.column("voter_id").unwrap();
    for (n, row) in file.votes.rows.iter_mut().enumerate() {
        row.cells[id] = (n + 1).to_string();
    }
    file
}

/// Writes `file` through the streaming writer, one vote at a time.
fn streamed(file: &PbFile) -> Result<String, PbWriteError> {
    let mut head = file.clone();
    head.votes.rows.clear();
    let mut writer = pabulib::PbStreamWriter::start(Vec::new(), &head)?;
    for row in &file.votes.rows {
        writer.vote(row)?;
    }
    Ok(String::from_utf8(writer.finish()?).unwrap())
}

#[test]
fn streamed_files_equal_written_files() {
    let mut files: Vec<PbFile> = [APPROVAL, CUMULATIVE, ORDINAL]
        .iter()
        .map(|t| pabulib::read_str(t).unwrap())
        .collect();
    files.extend(
        fixture_files()
            .iter()
            .map(|p| pabulib::read_path(p).unwrap()),
    );
    for file in files {
        let file = renumbered(&file);
        assert_eq!(
            streamed(&file).unwrap(),
            pabulib::write_string(&file).unwrap()
        );
    }
}

#[test]
fn the_streaming_writer_refuses_what_the_writer_refuses() {
    let approval = renumbered(&pabulib::read_str(APPROVAL).unwrap());
    let mut unknown = approval.clone();
    unknown.votes.rows[3].cells[1] = "9".into();
    assert!(
        matches!(streamed(&unknown), Err(PbWriteError::Invalid(m)) if m.contains("unknown project `9`"))
    );
    let mut too_many = approval.clone();
    too_many.set_meta("num_votes", "5");
    assert!(matches!(
        streamed(&too_many),
        Err(PbWriteError::CountMismatch { .. })
    ));
    let mut repeated_id = approval.clone();
    repeated_id.votes.rows[2].cells[0] = "2".into();
    assert!(
        matches!(streamed(&repeated_id), Err(PbWriteError::Invalid(m)) if m.contains("increasing"))
    );
    let mut missing = approval.clone();
    missing.meta.retain(|(k, _)| k != "budget");
    assert_eq!(streamed(&missing), Err(PbWriteError::MissingMeta("budget")));
    // An ordinal vote may not rank a project twice (an approval vote may name it twice).
    let mut twice = renumbered(&pabulib::read_str(ORDINAL).unwrap());
    twice.votes.rows[0].cells[1] = "a,a".into();
    assert!(matches!(streamed(&twice), Err(PbWriteError::Invalid(m)) if m.contains("twice")));
    let mut approval_twice = approval.clone();
    approval_twice.votes.rows[0].cells[1] = "1,1".into();
    assert!(streamed(&approval_twice).is_ok());
}

#[test]
fn writer_refuses_invalid_files() {
    let mut missing = pabulib::read_str(APPROVAL).unwrap();
    missing.meta.retain(|(k, _)| k != "country");
    assert_eq!(
        pabulib::write_string(&missing),
        Err(PbWriteError::MissingMeta("country"))
    );

    let mut miscounted = pabulib::read_str(APPROVAL).unwrap();
    miscounted.set_meta("num_votes", "5");
    assert!(matches!(
        pabulib::write_string(&miscounted),
        Err(PbWriteError::CountMismatch { .. })
    ));

    let unknown = APPROVAL.replace("d;3;internet", "d;9;internet");
    let err = pabulib::read_str(&unknown).unwrap().election().unwrap_err();
    assert_eq!(err.line, 29, "{err}");
    assert!(matches!(
        pabulib::write_string(&pabulib::read_str(&unknown).unwrap()),
        Err(PbWriteError::Invalid(_))
    ));

    let nameless = CUMULATIVE.replace(";name;", ";title;");
    assert!(matches!(
        pabulib::write_string(&pabulib::read_str(&nameless).unwrap()),
        Err(PbWriteError::Invalid(_))
    ));
}

#[test]
fn written_files_pass_pabulib_checker() {
    let python = match std::env::var("KURULTAI_PB_CHECKER") {
        Ok(v) if v == "1" => "python3".to_string(),
        Ok(v) if !v.is_empty() => v,
        _ => {
            eprintln!("SKIPPED pabulib-checker run: set KURULTAI_PB_CHECKER to a python with pabulib-checker (or 1)");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, file: &PbFile| {
        std::fs::write(
            dir.path().join(format!("{name}.pb")),
            pabulib::write_string(file).unwrap(),
        )
        .unwrap();
    };
    for (name, text) in [
        ("hand_approval", APPROVAL),
        ("hand_cumulative", CUMULATIVE),
        ("hand_ordinal", ORDINAL),
    ] {
        write(name, &pabulib::read_str(text).unwrap());
    }
    for path in fixture_files() {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        write(&name, &pabulib::read_path(&path).unwrap());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_pb.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}");
    assert!(
        out.status.success(),
        "pabulib-checker rejected written files:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
