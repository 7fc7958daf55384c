//! 設定 › ネットワークゾーン: where staff may log in from (LGWAN-ASP, インターネット: the 接続元
//! each zone allows) and the URL each zone's readers get in mails; the switch during an
//! LGWAN outage. The rules are the server's (`workflow::network_zones`).

use leptos::prelude::*;
use shared::dto::{NetworkZoneSettings, NetworkZonesView, UpdateNetworkZonesRequest};
use shared::zone::Zone;

use crate::api;
use crate::components::form::{FormMessages, FormState, Loading, ProblemMessage};
use crate::i18n::{K, use_i18n};

/// The section, loading the zones itself.
#[component]
pub fn NetworkZonesSection() -> impl IntoView {
    let zones = LocalResource::new(api::settings::network_zones);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match zones.await {
                    Ok(v) => view! { <NetworkZonesForm zones=v /> }.into_any(),
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One zone's inputs.
#[derive(Clone, Copy)]
struct ZoneInputs {
    zone: Zone,
    enabled: RwSignal<bool>,
    cidrs: RwSignal<String>,
    url: RwSignal<String>,
}

impl ZoneInputs {
    fn new(s: &NetworkZoneSettings) -> ZoneInputs {
        ZoneInputs {
            zone: s.zone,
            enabled: RwSignal::new(s.enabled),
            cidrs: RwSignal::new(s.cidrs.join("\n")),
            url: RwSignal::new(s.public_url.clone().unwrap_or_default()),
        }
    }

    fn settings(self) -> NetworkZoneSettings {
        let url = self.url.get_untracked();
        NetworkZoneSettings {
            zone: self.zone,
            enabled: self.enabled.get_untracked(),
            cidrs: self
                .cidrs
                .get_untracked()
                .split(['\n', ',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            public_url: Some(url.trim().to_owned()).filter(|u| !u.is_empty()),
        }
    }
}

#[component]
fn NetworkZonesForm(zones: NetworkZonesView) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let current = RwSignal::new(zones.clone());
    let inputs: Vec<ZoneInputs> = zones.zones.iter().map(ZoneInputs::new).collect();
    let save = Action::new_local(|req: &UpdateNetworkZonesRequest| {
        let req = req.clone();
        async move { api::settings::set_network_zones(&req).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(v)) => {
            current.set(v);
            form.succeed(K::Saved);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let all = inputs.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.reset();
        save.dispatch(UpdateNetworkZonesRequest {
            zones: all.iter().map(|z| z.settings()).collect(),
        });
    };
    let status = move || {
        current.with(|v| {
            let address = v.client_address.clone().unwrap_or_else(|| "-".into());
            let zone = v.client_zone.map_or(i.t(K::ZonesNoZone), |z| {
                let (ja, en) = z.labels();
                i.pick(ja, en)
            });
            let state = if v.configured {
                i.t(K::ZonesOn)
            } else {
                i.t(K::ZonesOff)
            };
            format!(
                "{state} / {}: {address}（{zone}）",
                i.t(K::ZonesYourAddress)
            )
        })
    };
    view! {
        <section class="card" aria-labelledby="zones-title">
            <h2 id="zones-title">{i.tr(K::ZonesTitle)}</h2>
            <p class="sub">{i.tr(K::ZonesLead)}</p>
            <p class="hint" id="zones-status">{status}</p>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                {inputs.into_iter().map(|z| {
                    let key = z.zone.as_str();
                    let enabled_id = format!("zone-{key}-enabled");
                    let cidrs_id = format!("zone-{key}-cidrs");
                    let url_id = format!("zone-{key}-url");
                    let cidrs_field = format!("zones.{key}.cidrs");
                    let url_field = format!("zones.{key}.public_url");
                    let cidrs_error = move || {
                        let prefix = cidrs_field.clone();
                        form.problem.with(|p| p.as_ref().and_then(|p| {
                            p.errors.iter().find(|e| e.field.starts_with(&prefix)).map(|e| i.invalid(e.code))
                        }))
                    };
                    let url_error = move || form.field_error(&url_field).map(|e| i.invalid(e));
                    view! {
                        <fieldset class="zone">
                            <legend>{move || {
                                let (ja, en) = z.zone.labels();
                                i.pick(ja, en)
                            }}</legend>
                            <div class="field field-check">
                                <input type="checkbox" id=enabled_id.clone()
                                    prop:checked=move || z.enabled.get()
                                    on:change=move |ev| z.enabled.set(event_target_checked(&ev)) />
                                <label for=enabled_id>{i.tr(K::ZonesEnabled)}</label>
                            </div>
                            <div class="field">
                                <label for=cidrs_id.clone()>{i.tr(K::ZonesCidrs)}</label>
                                <textarea id=cidrs_id class="mono" rows="3"
                                    prop:value=move || z.cidrs.get()
                                    on:input=move |ev| z.cidrs.set(event_target_value(&ev))></textarea>
                                <p class="hint">{i.tr(K::ZonesCidrsHint)}</p>
                                <p class="field-error" role="alert">{cidrs_error}</p>
                            </div>
                            <div class="field">
                                <label for=url_id.clone()>{i.tr(K::ZonesUrl)}</label>
                                <input id=url_id type="url" inputmode="url"
                                    placeholder="https://keiyaku.example.lg.jp"
                                    prop:value=move || z.url.get()
                                    on:input=move |ev| z.url.set(event_target_value(&ev)) />
                                <p class="field-error" role="alert">{url_error}</p>
                            </div>
                        </fieldset>
                    }
                }).collect_view()}
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                    </button>
                </div>
            </form>
        </section>
    }
}
