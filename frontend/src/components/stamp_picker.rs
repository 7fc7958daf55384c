//! Placing the visible stamp on the page itself: the chosen page of the main PDF is drawn, the
//! stamp is a box on it that can be dragged (mouse, finger) or moved with the arrow keys, or put
//! where the page is tapped. The box and the number fields are the same signals, in PDF points,
//! so either can be used; the fields stay the exact and accessible way.

use leptos::html;
use leptos::prelude::*;

use crate::components::pdf_view::{PageView, PdfDoc};
use crate::i18n::{K, use_i18n};

/// The widest the page is drawn, in CSS pixels.
const MAX_WIDTH: f64 = 520.0;

fn num(s: &RwSignal<String>) -> f64 {
    s.get().trim().parse().unwrap_or(0.0)
}

fn set_num(s: RwSignal<String>, v: f64) {
    s.set(format!("{}", v.max(0.0).round()));
}

/// The stamp's page and rectangle (`x`, `y` from the lower-left corner, `width`, `height`), in
/// points, as the form's text signals.
#[derive(Clone, Copy)]
pub struct StampFields {
    pub page: RwSignal<String>,
    pub x: RwSignal<String>,
    pub y: RwSignal<String>,
    pub width: RwSignal<String>,
    pub height: RwSignal<String>,
}

/// Where a drag started: the pointer's offset inside the box.
#[derive(Clone, Copy)]
struct Grab {
    dx: f64,
    dy: f64,
}

#[component]
pub fn StampPicker(doc: PdfDoc, fields: StampFields) -> impl IntoView {
    let i = use_i18n();
    let pages = doc.pages();
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let sheet_ref = NodeRef::<html::Div>::new();
    let picker_ref = NodeRef::<html::Div>::new();
    let page_view = RwSignal::new_local(None::<PageView>);
    let failed = RwSignal::new(false);
    let grab = RwSignal::new(None::<Grab>);
    let page_no = move || {
        fields
            .page
            .get()
            .trim()
            .parse::<u32>()
            .unwrap_or(1)
            .clamp(1, pages.max(1))
    };
    // The window's width changed (a phone turned): draw the page again to fit.
    let resized = RwSignal::new(0u32);
    let listener = window_event_listener(leptos::ev::resize, move |_| resized.update(|n| *n += 1));
    on_cleanup(move || listener.remove());
    // Draw the page whenever the page number or the width changes.
    Effect::new(move || {
        resized.track();
        let n = page_no();
        let (Some(canvas), Some(picker)) = (canvas_ref.get(), picker_ref.get()) else {
            return;
        };
        // The sheet takes the canvas's size; the picker has the form's width.
        let width = (f64::from(picker.client_width()) - 4.0).clamp(200.0, MAX_WIDTH);
        let doc = doc.clone();
        leptos::task::spawn_local(async move {
            match doc.render(n, &canvas, width).await {
                Ok(v) => page_view.set(Some(v)),
                Err(()) => failed.set(true),
            }
        });
    });
    // The box in CSS pixels, from the fields.
    let rect = move || {
        page_view.with(|v| {
            v.as_ref().map(|v| {
                v.to_view([
                    num(&fields.x),
                    num(&fields.y),
                    num(&fields.width),
                    num(&fields.height),
                ])
            })
        })
    };
    // Moves the box so that its top-left corner is at (left, top) CSS pixels, kept on the page.
    let move_to = move |left: f64, top: f64| {
        let Some([_, _, w, h]) = rect() else {
            return;
        };
        page_view.with_untracked(|v| {
            let Some(v) = v else {
                return;
            };
            let [pw, ph] = v.size();
            let left = left.clamp(0.0, (pw - w).max(0.0));
            let top = top.clamp(0.0, (ph - h).max(0.0));
            let [x, y, _, _] = v.to_pdf(left, top, left + w, top + h);
            set_num(fields.x, x);
            set_num(fields.y, y);
        });
    };
    let local = move |ev: &web_sys::PointerEvent| -> Option<(f64, f64)> {
        let sheet = sheet_ref.get_untracked()?;
        let r = sheet.get_bounding_client_rect();
        Some((
            f64::from(ev.client_x()) - r.left(),
            f64::from(ev.client_y()) - r.top(),
        ))
    };
    let down = move |ev: web_sys::PointerEvent| {
        let (Some((px, py)), Some([l, t, w, h])) = (local(&ev), rect()) else {
            return;
        };
        ev.prevent_default();
        if let Some(sheet) = sheet_ref.get_untracked() {
            let _ = sheet.set_pointer_capture(ev.pointer_id());
        }
        let inside = px >= l && px <= l + w && py >= t && py <= t + h;
        let g = if inside {
            Grab {
                dx: px - l,
                dy: py - t,
            }
        } else {
            // A tap elsewhere centres the box there.
            move_to(px - w / 2.0, py - h / 2.0);
            Grab {
                dx: w / 2.0,
                dy: h / 2.0,
            }
        };
        grab.set(Some(g));
    };
    let drag = move |ev: web_sys::PointerEvent| {
        if let (Some(g), Some((px, py))) = (grab.get_untracked(), local(&ev)) {
            move_to(px - g.dx, py - g.dy);
        }
    };
    let release = move |_| grab.set(None);
    let key = move |ev: web_sys::KeyboardEvent| {
        let step = if ev.shift_key() { 20.0 } else { 5.0 };
        let (dx, dy) = match ev.key().as_str() {
            "ArrowLeft" => (-step, 0.0),
            "ArrowRight" => (step, 0.0),
            "ArrowUp" => (0.0, step),
            "ArrowDown" => (0.0, -step),
            _ => return,
        };
        ev.prevent_default();
        set_num(fields.x, num(&fields.x) + dx);
        set_num(fields.y, num(&fields.y) + dy);
    };
    let px = |v: f64| format!("{v:.1}px");
    let side = move |k: usize| rect().map_or(0.0, |r| r[k]);
    view! {
        <div class="stamp-picker" node_ref=picker_ref>
            <p class="hint" id="stamp-picker-hint">{move || i.tr(K::StampPickerHint)}</p>
            <p class="sub">{move || format!("{} / {pages} {}", page_no(), i.t(K::Pages))}</p>
            {move || failed.get().then(|| view! { <p class="upload-error" role="alert">{i.tr(K::PdfFailed)}</p> })}
            <div
                class="stamp-sheet"
                class:dragging=move || grab.get().is_some()
                node_ref=sheet_ref
                on:pointerdown=down
                on:pointermove=drag
                on:pointerup=release
                on:pointercancel=release
            >
                <canvas class="pdf-page" node_ref=canvas_ref role="img" aria-label=move || i.tr(K::StampPickerPage)></canvas>
                // Made once and moved by its style: the box keeps the keyboard focus while the
                // arrow keys move it.
                <Show when=move || rect().is_some()>
                    <div
                        class="stamp-box"
                        tabindex="0"
                        role="slider"
                        aria-label=move || i.tr(K::StampPickerBox)
                        aria-describedby="stamp-picker-hint"
                        aria-valuemin="0"
                        aria-valuenow=move || fields.x.get()
                        aria-valuetext=move || format!("x {} pt, y {} pt", fields.x.get(), fields.y.get())
                        style:left=move || px(side(0))
                        style:top=move || px(side(1))
                        style:width=move || px(side(2))
                        style:height=move || px(side(3))
                        on:keydown=key
                    >
                        <span>{move || i.tr(K::StampPickerLabel)}</span>
                    </div>
                </Show>
            </div>
        </div>
    }
}
