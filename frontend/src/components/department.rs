//! The department tree (所属): ordering for display and a select box.

use std::collections::HashSet;

use leptos::prelude::*;
use shared::dto::DepartmentView;
use uuid::Uuid;

use crate::i18n::{K, use_i18n};

/// The departments in tree order (parents before children, siblings by code and name), each
/// with its depth. Departments whose parent is missing are shown at the top level.
pub fn tree_order(depts: &[DepartmentView]) -> Vec<(usize, DepartmentView)> {
    let ids: HashSet<Uuid> = depts.iter().map(|d| d.id).collect();
    let mut out = Vec::with_capacity(depts.len());
    let mut seen = HashSet::new();
    let roots: Vec<&DepartmentView> = depts
        .iter()
        .filter(|d| d.parent_id.is_none_or(|p| !ids.contains(&p)))
        .collect();
    fn sort_key(d: &DepartmentView) -> (String, String) {
        (d.code.clone().unwrap_or_default(), d.name.clone())
    }
    fn walk(
        node: &DepartmentView,
        depth: usize,
        all: &[DepartmentView],
        seen: &mut HashSet<Uuid>,
        out: &mut Vec<(usize, DepartmentView)>,
    ) {
        if !seen.insert(node.id) {
            return;
        }
        out.push((depth, node.clone()));
        let mut children: Vec<&DepartmentView> = all
            .iter()
            .filter(|d| d.parent_id == Some(node.id))
            .collect();
        children.sort_by_key(|d| sort_key(d));
        for c in children {
            walk(c, depth + 1, all, seen, out);
        }
    }
    let mut roots = roots;
    roots.sort_by_key(|d| sort_key(d));
    for r in roots {
        walk(r, 0, depts, &mut seen, &mut out);
    }
    out
}

/// `id` and every department below it.
pub fn subtree(depts: &[DepartmentView], id: Uuid) -> HashSet<Uuid> {
    let mut set = HashSet::from([id]);
    loop {
        let before = set.len();
        for d in depts {
            if d.parent_id.is_some_and(|p| set.contains(&p)) {
                set.insert(d.id);
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// The full path of a department, e.g. `総務部 / 契約課`.
pub fn path_name(depts: &[DepartmentView], id: Uuid) -> String {
    let mut names = Vec::new();
    let mut cur = depts.iter().find(|d| d.id == id);
    while let Some(d) = cur {
        if names.len() > 16 {
            break;
        }
        names.push(d.name.clone());
        cur = d.parent_id.and_then(|p| depts.iter().find(|x| x.id == p));
    }
    names.reverse();
    names.join(" / ")
}

/// A select of departments in tree order. The value is the ID as text, empty for none.
/// Inactive departments are offered only when already selected; `exclude` are left out.
#[component]
pub fn DepartmentSelect(
    /// The element ID.
    #[prop(into)]
    id: String,
    /// The label.
    label: K,
    /// What "none" means here (e.g. 所属なし, 最上位).
    none_label: K,
    /// All departments.
    departments: Vec<DepartmentView>,
    /// The selected ID (empty: none).
    value: RwSignal<String>,
    /// Departments that may not be chosen (a department and its subtree, when moving it).
    #[prop(optional)]
    exclude: HashSet<Uuid>,
) -> impl IntoView {
    let i = use_i18n();
    let initial = value.get_untracked();
    let options = tree_order(&departments)
        .into_iter()
        .filter(|(_, d)| !exclude.contains(&d.id))
        .filter(|(_, d)| d.active || d.id.to_string() == initial)
        .map(|(depth, d)| {
            let idv = d.id.to_string();
            let selected = idv == initial;
            let text = format!("{}{}", "　".repeat(depth), d.name);
            view! { <option value=idv selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{i.tr(label)}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=initial.is_empty()>{i.tr(none_label)}</option>
                {options}
            </select>
        </div>
    }
}

/// Parses the select's value.
pub fn parse_id(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s).ok()
}
