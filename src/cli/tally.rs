//! `kurultai tally FILE.pb`: count a Pabulib file and print the outcome (or `--json`). The
//! command line's front of the engine: it reads the file, times the count and picks the exit
//! status, so that `tally/` stays pure.
//!
//! Exit status: 0 on success, 2 when the file cannot be read or is malformed, or holds a vote
//! that breaks the limits its own META declares (the message names the line), 1 when the rule
//! does not apply to the election.

use crate::pabulib::{self, PbError};
use crate::tally::{
    tally, Completion, Election, Rule, TallyOptions, TallyResult, TieBreak, TraceStep,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The counting rule on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum RuleArg {
    Greedy,
    EqualShares,
    Phragmen,
}

/// How Equal Shares spends what its first run leaves, on the command line (the engine's
/// [`Completion`], which knows nothing of clap).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum CompletionArg {
    /// One run with share budget/n.
    None,
    /// pabutools' `voter_budget_increment = 1` (one main unit).
    Add1,
    /// `add1`, then greedy by votes (points).
    Add1Greedy,
    /// equalshares.net's Add1: floor(budget/n) + 1, + 2, … while within the budget.
    EqualsharesAdd1,
    /// `equalshares_add1`, then the utilitarian completion.
    EqualsharesAdd1u,
}

/// The tie-breaking order on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TieBreakArg {
    Pabutools,
    Equalshares,
}

/// Arguments of `kurultai tally`.
#[derive(Debug, Clone, clap::Args)]
pub struct TallyArgs {
    /// The Pabulib `.pb` file to count.
    pub file: PathBuf,
    /// The counting rule.
    #[arg(long, value_enum, default_value = "equal_shares")]
    pub rule: RuleArg,
    /// How Equal Shares spends what it leaves (ignored by other rules).
    #[arg(long, value_enum, default_value = "add1_greedy")]
    pub completion: CompletionArg,
    /// Tie-breaking order.
    #[arg(long = "tie-break", value_enum, default_value = "pabutools")]
    pub tie_break: TieBreakArg,
    /// Seed of the random order of the `equalshares` tie-breaking, published before counting.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print the result as JSON (schema `kurultai.tally/1`, see docs/tally-json.md).
    #[arg(long)]
    pub json: bool,
    /// Print to stderr how long reading and counting took.
    #[arg(long)]
    pub time: bool,
    /// Count votes that break the file's declared limits (`max_length`, `max_sum_points`, …)
    /// instead of refusing the file, as pabutools does with research data; each is reported on
    /// stderr. Never used by `kurultai verify`.
    #[arg(long)]
    pub accept_invalid_votes: bool,
}

impl TallyArgs {
    /// The engine options these arguments select.
    pub fn options(&self) -> TallyOptions {
        let completion = match self.completion {
            CompletionArg::None => Completion::None,
            CompletionArg::Add1 => Completion::Add1,
            CompletionArg::Add1Greedy => Completion::Add1Greedy,
            CompletionArg::EqualsharesAdd1 => Completion::EqualsharesAdd1,
            CompletionArg::EqualsharesAdd1u => Completion::EqualsharesAdd1u,
        };
        let rule = match self.rule {
            RuleArg::Greedy => Rule::Greedy,
            RuleArg::EqualShares => Rule::EqualShares(completion),
            RuleArg::Phragmen => Rule::Phragmen,
        };
        let tie_break = match self.tie_break {
            TieBreakArg::Pabutools => TieBreak::Pabutools,
            TieBreakArg::Equalshares => TieBreak::EqualShares { seed: self.seed },
        };
        TallyOptions {
            rule,
            tie_break,
            record_payments: false,
        }
    }
}

/// Runs `kurultai tally`.
pub fn run(args: &TallyArgs) -> ExitCode {
    let started = Instant::now();
    let election = match pabulib::read_path(&args.file).and_then(|f| read_election(&f, args)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let read = started.elapsed();
    let result = match tally(&election, &args.options()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}: {e}", args.file.display());
            return ExitCode::from(1);
        }
    };
    let counted = started.elapsed() - read;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result).expect("results serialise")
        );
    } else {
        print!("{}", human(&result));
    }
    if args.time {
        eprintln!(
            "read {:.4} s, counted {:.4} s",
            read.as_secs_f64(),
            counted.as_secs_f64()
        );
    }
    ExitCode::SUCCESS
}

/// The file's election, its votes checked against the limits its META declares.
fn read_election(file: &pabulib::PbFile, args: &TallyArgs) -> Result<Election, PbError> {
    let election = file.election()?;
    if !args.accept_invalid_votes {
        file.check_votes(&election)?;
        return Ok(election);
    }
    let (listed, total) = file.vote_violations(&election)?;
    for v in &listed {
        eprintln!("{}: counted anyway: {v}", args.file.display());
    }
    if total > listed.len() {
        eprintln!(
            "{}: counted anyway: {} more invalid vote(s)",
            args.file.display(),
            total - listed.len()
        );
    }
    Ok(election)
}

/// The human-readable report: funded projects with cost and votes, total spent, budget left.
pub fn human(r: &TallyResult) -> String {
    let mut out = String::new();
    let tie = match r.tie_break {
        TieBreak::Pabutools => "pabutools".to_string(),
        TieBreak::EqualShares { seed } => format!("equalshares (seed {seed})"),
    };
    let rule = serde_json::to_value(r.rule).expect("serialises");
    out.push_str(&format!(
        "rule: {}  completion: {}  tie-break: {tie}\n",
        rule.as_str().unwrap_or_default(),
        r.completion
    ));
    out.push_str(&format!("funded {} projects:\n", r.selected.len()));
    out.push_str(&format!(
        "  {:<20} {:>16} {:>10} {:>12}\n",
        "project", "cost", "votes", "score"
    ));
    for id in &r.selected {
        let p = r
            .projects
            .iter()
            .find(|p| &p.id == id)
            .expect("selected projects exist");
        out.push_str(&format!(
            "  {:<20} {:>16} {:>10} {:>12}\n",
            p.id, p.cost, p.votes, p.score
        ));
    }
    out.push_str(&format!(
        "total spent: {}\nbudget: {}\nbudget left: {}\n",
        r.total_cost, r.budget, r.budget_left
    ));
    for step in &r.trace {
        if let TraceStep::Add1 {
            kept_share, runs, ..
        } = step
        {
            out.push_str(&format!(
                "add1: kept share {} per voter after {runs} runs\n",
                kept_share.decimal
            ));
        }
    }
    out
}
