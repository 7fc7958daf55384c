//! `docs/state-machine.md` shows the contract and recipient state machines as Mermaid diagrams
//! and a table of who may cause each event. This test derives all three from
//! [`shared::contract::apply`] and [`shared::contract::apply_recipient`] by trying every event
//! in every state under every combination of facts, and fails when the document says anything
//! else, so the map cannot drift from the code. `UPDATE_DOCS=1 cargo test -p shared --test
//! state_machine_doc` rewrites the generated blocks.

use std::collections::BTreeMap;
use std::path::PathBuf;

use shared::access::Permission;
use shared::contract::{
    ContractActor, ContractEvent, ContractFacts, ContractState, RecipientEvent, RecipientState,
    TransitionError, apply, apply_recipient,
};

/// Every contract event the diagram shows, with its label, in the order of the edges' labels.
/// `Duplicate` is left out: it copies the contract into a new draft and never changes a state.
fn events() -> Vec<(ContractEvent, &'static str)> {
    let all = [
        ContractEvent::Edit,
        ContractEvent::Submit,
        ContractEvent::Approve { final_step: false },
        ContractEvent::Approve { final_step: true },
        ContractEvent::Reject,
        ContractEvent::Withdraw,
        ContractEvent::Send,
        ContractEvent::Remind,
        ContractEvent::RecipientAgreed { last: false },
        ContractEvent::RecipientAgreed { last: true },
        ContractEvent::RecipientDeclined,
        ContractEvent::SendBack,
        ContractEvent::Sealed,
        ContractEvent::Cancel,
        ContractEvent::Expire,
        ContractEvent::Duplicate,
        ContractEvent::Dispose,
    ];
    all.into_iter()
        .filter_map(|e| label(&e).map(|l| (e, l)))
        .collect()
}

/// The label of an event. The match is exhaustive, so a new event cannot be added to the state
/// machine without a decision here (and then in [`events`]).
fn label(event: &ContractEvent) -> Option<&'static str> {
    Some(match event {
        ContractEvent::Edit => "edit",
        ContractEvent::Submit => "submit",
        ContractEvent::Approve { final_step: false } => "approve (an earlier step)",
        ContractEvent::Approve { final_step: true } => "approve (the last step)",
        ContractEvent::Reject => "reject",
        ContractEvent::Withdraw => "withdraw",
        ContractEvent::Send => "send",
        ContractEvent::Remind => "remind",
        ContractEvent::RecipientAgreed { last: false } => "a recipient agrees",
        ContractEvent::RecipientAgreed { last: true } => "the last recipient agrees",
        ContractEvent::RecipientDeclined => "a recipient declines",
        ContractEvent::SendBack => "send back",
        ContractEvent::Sealed => "sealed",
        ContractEvent::Cancel => "cancel",
        ContractEvent::Expire => "expire",
        ContractEvent::Duplicate => return None,
        ContractEvent::Dispose => "dispose (approved by a second administrator)",
    })
}

/// Every combination of the facts' thirteen flags (the `state` field is not read by `apply`).
fn all_facts() -> impl Iterator<Item = ContractFacts> {
    (0u32..1 << 13).map(|bits| {
        let bit = |n: u32| bits & (1 << n) != 0;
        ContractFacts {
            state: ContractState::Draft,
            approval_required: bit(0),
            has_main_document: bit(1),
            has_recipients: bit(2),
            route_has_steps: bit(3),
            route_complete: bit(4),
            created_by_me: bit(5),
            i_am_current_approver: bit(6),
            i_already_approved: bit(7),
            any_recipient_agreed: bit(8),
            all_recipients_agreed: bit(9),
            sealed_and_timestamped: bit(10),
            legal_hold: bit(11),
            retention_ended: bit(12),
        }
    })
}

fn actors() -> [ContractActor; 3] {
    [
        ContractActor::staff(Permission::ALL),
        ContractActor::Recipient,
        ContractActor::System,
    ]
}

/// The contract diagram: each state with its Japanese label, the start, the ends, and one edge
/// per pair of states that some event under some facts joins, labelled with those events.
fn contract_diagram() -> String {
    let facts: Vec<ContractFacts> = all_facts().collect();
    let mut edges: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
    let index = |s: ContractState| ContractState::ALL.iter().position(|&x| x == s).unwrap();
    for &from in ContractState::ALL {
        for (event, name) in events() {
            let mut targets: Vec<ContractState> = Vec::new();
            for actor in &actors() {
                for f in &facts {
                    if let Ok(to) = apply(from, &event, f, actor)
                        && !targets.contains(&to)
                    {
                        targets.push(to);
                    }
                }
            }
            for to in targets {
                edges
                    .entry((index(from), index(to)))
                    .or_default()
                    .push(name);
            }
        }
    }
    let mut out = String::from("stateDiagram-v2\n");
    for &s in ContractState::ALL {
        out.push_str(&format!(
            "    state \"{} {}\" as {}\n",
            s.label_ja(),
            s.as_str(),
            s.as_str()
        ));
    }
    out.push_str(&format!("    [*] --> {}\n", ContractState::Draft.as_str()));
    for ((from, to), names) in &edges {
        out.push_str(&format!(
            "    {} --> {}: {}\n",
            ContractState::ALL[*from].as_str(),
            ContractState::ALL[*to].as_str(),
            names.join(", ")
        ));
    }
    for &s in ContractState::ALL.iter().filter(|s| s.is_terminal()) {
        out.push_str(&format!("    {} --> [*]\n", s.as_str()));
    }
    out
}

/// Who may cause each event: the actor check comes first in `apply`, so an actor is refused
/// with `forbidden` in every state or in none.
fn who_table() -> String {
    let facts = all_facts().next().unwrap();
    let may = |event: &ContractEvent, actor: &ContractActor| {
        apply(ContractState::Draft, event, &facts, actor) != Err(TransitionError::Forbidden)
    };
    let mut out = String::from("| event | who may cause it |\n|---|---|\n");
    for (event, name) in events() {
        let mut who: Vec<String> = Permission::ALL
            .iter()
            .filter(|&&p| may(&event, &ContractActor::staff([p])))
            .map(|p| format!("staff with `{}`", p.as_str()))
            .collect();
        if may(&event, &ContractActor::Recipient) {
            who.push("the recipient (signing page)".into());
        }
        if may(&event, &ContractActor::System) {
            who.push("the service (a background job)".into());
        }
        out.push_str(&format!("| {name} | {} |\n", who.join(", ")));
    }
    out
}

fn recipient_events() -> [(RecipientEvent, &'static str); 5] {
    [
        (RecipientEvent::Notify, "notify"),
        (RecipientEvent::Verify, "verify"),
        (RecipientEvent::Agree, "agree"),
        (RecipientEvent::Decline, "decline"),
        (RecipientEvent::Forward, "forward"),
    ]
}

/// The recipient diagram, built the same way from [`apply_recipient`].
fn recipient_diagram() -> String {
    let mut out = String::from("stateDiagram-v2\n");
    for &s in RecipientState::ALL {
        out.push_str(&format!(
            "    state \"{} {}\" as {}\n",
            s.label_ja(),
            s.as_str(),
            s.as_str()
        ));
    }
    out.push_str(&format!(
        "    [*] --> {}\n",
        RecipientState::Waiting.as_str()
    ));
    let mut edges: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
    let index = |s: RecipientState| RecipientState::ALL.iter().position(|&x| x == s).unwrap();
    for &from in RecipientState::ALL {
        for (event, name) in recipient_events() {
            if let Ok(to) = apply_recipient(from, event) {
                edges
                    .entry((index(from), index(to)))
                    .or_default()
                    .push(name);
            }
        }
    }
    for ((from, to), names) in &edges {
        out.push_str(&format!(
            "    {} --> {}: {}\n",
            RecipientState::ALL[*from].as_str(),
            RecipientState::ALL[*to].as_str(),
            names.join(", ")
        ));
    }
    for &s in RecipientState::ALL.iter().filter(|s| s.is_terminal()) {
        out.push_str(&format!("    {} --> [*]\n", s.as_str()));
    }
    out
}

/// Replaces the text between `<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->`.
fn replace_block(doc: &str, name: &str, body: &str) -> String {
    let begin = format!("<!-- BEGIN generated: {name} -->\n");
    let end = format!("<!-- END generated: {name} -->");
    let start = doc
        .find(&begin)
        .unwrap_or_else(|| panic!("docs/state-machine.md has no `{}`", begin.trim()))
        + begin.len();
    let stop = start
        + doc[start..]
            .find(&end)
            .unwrap_or_else(|| panic!("docs/state-machine.md has no `{end}`"));
    format!("{}{}{}", &doc[..start], body, &doc[stop..])
}

#[test]
fn the_documented_state_machines_are_the_ones_in_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/state-machine.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let mermaid = |d: String| format!("```mermaid\n{d}```\n");
    let mut expected = replace_block(&doc, "contract-states", &mermaid(contract_diagram()));
    expected = replace_block(&expected, "contract-actors", &who_table());
    expected = replace_block(&expected, "recipient-states", &mermaid(recipient_diagram()));
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        doc == expected,
        "docs/state-machine.md no longer matches shared::contract; rerun with UPDATE_DOCS=1 and \
         review the diff. Expected:\n{expected}"
    );
}

#[test]
fn the_contract_diagram_has_every_state_the_code_knows() {
    let diagram = contract_diagram();
    for &s in ContractState::ALL {
        assert!(diagram.contains(&format!(" as {}\n", s.as_str())), "{s}");
        if s != ContractState::Draft {
            assert!(
                diagram.contains(&format!("--> {}:", s.as_str())),
                "{s} is unreachable"
            );
        }
    }
}
