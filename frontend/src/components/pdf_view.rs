//! The document viewer: a PDF's pages drawn in the page by pdf.js (bundled from npm, served
//! from `/pdfjs/`, so it works offline and looks the same on every phone), with zoom. The
//! drawing itself is `frontend/src/pdf_view.js`; this module is its typed face.

use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::components::form::Loading;
use crate::i18n::{K, use_i18n};

#[wasm_bindgen(module = "/src/pdf_view.js")]
extern "C" {
    #[wasm_bindgen(js_name = openPdf, catch)]
    async fn open_pdf(bytes: js_sys::Uint8Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = closePdf)]
    fn close_pdf(doc: &JsValue);
    #[wasm_bindgen(js_name = pageCount)]
    fn page_count(doc: &JsValue) -> u32;
    #[wasm_bindgen(js_name = mountPages, catch)]
    async fn mount_pages(
        doc: &JsValue,
        container: &web_sys::HtmlElement,
        width: f64,
        label: &str,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = renderPage, catch)]
    async fn render_page(
        doc: &JsValue,
        number: u32,
        canvas: &web_sys::HtmlCanvasElement,
        width: f64,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = viewSize)]
    fn view_size(view: &JsValue) -> js_sys::Array;
    #[wasm_bindgen(js_name = toPdfRect)]
    fn to_pdf_rect(view: &JsValue, left: f64, top: f64, right: f64, bottom: f64) -> js_sys::Array;
    #[wasm_bindgen(js_name = toViewRect)]
    fn to_view_rect(view: &JsValue, x: f64, y: f64, width: f64, height: f64) -> js_sys::Array;
}

/// Closes the pdf.js document when the last handle goes.
struct Handle(JsValue);

impl Drop for Handle {
    fn drop(&mut self) {
        close_pdf(&self.0);
    }
}

/// An opened PDF.
#[derive(Clone)]
pub struct PdfDoc(Rc<Handle>);

impl PdfDoc {
    /// Parses the bytes (in pdf.js's worker). `Err` for a file pdf.js cannot read, or when the
    /// viewer's files could not be loaded.
    pub async fn open(bytes: &[u8]) -> Result<PdfDoc, ()> {
        let doc = open_pdf(js_sys::Uint8Array::from(bytes))
            .await
            .map_err(|_| ())?;
        Ok(PdfDoc(Rc::new(Handle(doc))))
    }

    pub fn pages(&self) -> u32 {
        page_count(&self.0.0)
    }

    /// Draws one page (1-based) `width` CSS pixels wide; its geometry answers where things are.
    pub async fn render(
        &self,
        page: u32,
        canvas: &web_sys::HtmlCanvasElement,
        width: f64,
    ) -> Result<PageView, ()> {
        render_page(&self.0.0, page, canvas, width)
            .await
            .map(PageView)
            .map_err(|_| ())
    }
}

/// A drawn page's geometry (pdf.js `PageViewport`, in CSS pixels).
#[derive(Clone)]
pub struct PageView(JsValue);

fn numbers(array: js_sys::Array) -> [f64; 4] {
    let mut out = [0.0; 4];
    for (slot, v) in out.iter_mut().zip(array.iter()) {
        *slot = v.as_f64().unwrap_or(0.0);
    }
    out
}

impl PageView {
    /// `[width, height]` in CSS pixels.
    pub fn size(&self) -> [f64; 2] {
        let [w, h, ..] = numbers(view_size(&self.0));
        [w, h]
    }

    /// CSS pixels `[left, top, right, bottom]` → PDF user space `[x, y, width, height]`.
    pub fn to_pdf(&self, left: f64, top: f64, right: f64, bottom: f64) -> [f64; 4] {
        numbers(to_pdf_rect(&self.0, left, top, right, bottom))
    }

    /// PDF user space `[x, y, width, height]` → CSS pixels `[left, top, width, height]`.
    pub fn to_view(&self, rect: [f64; 4]) -> [f64; 4] {
        let [x, y, w, h] = rect;
        numbers(to_view_rect(&self.0, x, y, w, h))
    }
}

/// Zoom steps, as multiples of the fitted width.
const ZOOMS: [f64; 5] = [0.5, 0.75, 1.0, 1.5, 2.0];

/// Every page of `doc`, fitted to the width of the box (scrolls inside it), drawn as it
/// scrolls into view; zoom buttons above.
#[component]
pub fn PdfPages(doc: PdfDoc) -> impl IntoView {
    let i = use_i18n();
    let zoom = RwSignal::new(2usize);
    let pages_ref = NodeRef::<html::Div>::new();
    let failed = RwSignal::new(false);
    let count = doc.pages();
    Effect::new(move || {
        let z = ZOOMS[zoom.get()];
        let Some(el) = pages_ref.get() else {
            return;
        };
        let label = i.t(K::PdfPageLabel);
        let doc = doc.clone();
        leptos::task::spawn_local(async move {
            // The box's inner width less its padding and the scroll bar.
            let width = (f64::from(el.client_width()) - 24.0).max(200.0) * z;
            let html: &web_sys::HtmlElement = &el;
            if mount_pages(&doc.0.0, html, width, label).await.is_err() {
                failed.set(true);
            }
        });
    });
    let step = move |d: isize| {
        zoom.update(|z| *z = z.saturating_add_signed(d).min(ZOOMS.len() - 1));
    };
    view! {
        <div class="pdf-view">
            <div class="pdf-toolbar" role="toolbar" aria-label=move || i.tr(K::PdfZoom)>
                <span class="sub">{count} " " {move || i.tr(K::Pages)}</span>
                <button type="button" class="btn btn-small" disabled=move || zoom.get() == 0 on:click=move |_| step(-1)>
                    {move || i.tr(K::ZoomOut)}
                </button>
                <button type="button" class="btn btn-small" disabled=move || zoom.get() == 2 on:click=move |_| zoom.set(2)>
                    {move || i.tr(K::ZoomFit)}
                </button>
                <button type="button" class="btn btn-small" disabled=move || zoom.get() == ZOOMS.len() - 1 on:click=move |_| step(1)>
                    {move || i.tr(K::ZoomIn)}
                </button>
                <span class="sub" aria-live="polite">{move || format!("{}%", (ZOOMS[zoom.get()] * 100.0) as u32)}</span>
            </div>
            {move || failed.get().then(|| view! { <p class="upload-error" role="alert">{i.tr(K::PdfFailed)}</p> })}
            <div class="pdf-pages" node_ref=pages_ref tabindex="0" role="region" aria-label=move || i.tr(K::PdfPreview)></div>
        </div>
    }
}

/// [`PdfPages`] for bytes: opens them, with the loading and failure states.
#[component]
pub fn PdfPreview(bytes: Rc<Vec<u8>>) -> impl IntoView {
    let i = use_i18n();
    let doc = LocalResource::new(move || {
        let bytes = bytes.clone();
        async move { PdfDoc::open(&bytes).await }
    });
    view! {
        {move || match doc.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(())) => view! { <p class="upload-error" role="alert">{i.tr(K::PdfFailed)}</p> }.into_any(),
            Some(Ok(d)) => view! { <PdfPages doc=d /> }.into_any(),
        }}
    }
}
