// Draws PDF pages with pdf.js. The library is the npm package `pdfjs-dist` (legacy build, for
// older phones), copied by Trunk into `/pdfjs/` (frontend/index.html): nothing is loaded from a
// CDN, so the viewer works on a closed network. It is imported only when a document is shown.
// Called from Rust through `frontend/src/components/pdf_view.rs`.

const BASE = '/pdfjs/';
let library = null;

function pdfjs() {
  if (!library) {
    library = import(BASE + 'pdf.min.mjs').then((lib) => {
      lib.GlobalWorkerOptions.workerSrc = BASE + 'pdf.worker.min.mjs';
      return lib;
    });
    // A failed load (offline, blocked) may be retried by the next document.
    library.catch(() => { library = null; });
  }
  return library;
}

/// Opens a PDF from its bytes; resolves to the document (pass it to the functions below).
export async function openPdf(bytes) {
  const lib = await pdfjs();
  const task = lib.getDocument({
    data: bytes,
    // Japanese PDFs often use non-embedded fonts (MS 明朝 …): the CMaps map their codes.
    cMapUrl: BASE + 'cmaps/',
    cMapPacked: true,
    standardFontDataUrl: BASE + 'standard_fonts/',
    // JBIG2 / JPEG 2000 decoders for scanned contracts, and ICC colour profiles.
    wasmUrl: BASE + 'wasm/',
    iccUrl: BASE + 'iccs/',
    enableXfa: false,
  });
  return task.promise;
}

export function pageCount(doc) {
  return doc.numPages;
}

/// Frees the document and its worker (pdf.js ends both through the loading task).
export function closePdf(doc) {
  doc.loadingTask.destroy().catch(() => {});
}

/// The device pixels per CSS pixel a page is drawn with (at most 2: memory on phones).
function ratio() {
  return Math.min(window.devicePixelRatio || 1, 2);
}

/// Draws page `number` (1-based) into `canvas`, `width` CSS pixels wide. Resolves to the
/// page's viewport in CSS pixels, which `toPdfRect` and `toViewRect` take.
export async function renderPage(doc, number, canvas, width) {
  const page = await doc.getPage(number);
  const scale = width / page.getViewport({ scale: 1 }).width;
  const view = page.getViewport({ scale });
  const device = page.getViewport({ scale: scale * ratio() });
  canvas.width = Math.floor(device.width);
  canvas.height = Math.floor(device.height);
  canvas.style.width = Math.floor(view.width) + 'px';
  canvas.style.height = Math.floor(view.height) + 'px';
  await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport: device }).promise;
  return view;
}

/// The page's size in CSS pixels at `width`: [width, height].
export function viewSize(view) {
  return [view.width, view.height];
}

/// A rectangle in the viewport's CSS pixels [left, top, right, bottom] as PDF user-space
/// [x, y, width, height] (lower-left origin; rotation and crop box taken into account).
export function toPdfRect(view, left, top, right, bottom) {
  const [x0, y0] = view.convertToPdfPoint(left, top);
  const [x1, y1] = view.convertToPdfPoint(right, bottom);
  return [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)];
}

/// PDF user-space [x, y, width, height] as the viewport's CSS pixels [left, top, width, height].
export function toViewRect(view, x, y, width, height) {
  const [a, b] = view.convertToViewportPoint(x, y);
  const [c, d] = view.convertToViewportPoint(x + width, y + height);
  return [Math.min(a, c), Math.min(b, d), Math.abs(c - a), Math.abs(d - b)];
}

/// Fills `container` with one canvas per page, drawn when it scrolls into view, each labelled
/// for screen readers by `label` with `{n}` and `{count}` filled in. Resolves to the page
/// count. A second call (zoom) replaces the pages and stops the first call's drawing.
export async function mountPages(doc, container, width, label) {
  const generation = (container.pdfGeneration || 0) + 1;
  container.pdfGeneration = generation;
  const count = doc.numPages;
  const first = await doc.getPage(1);
  // A later call (the next zoom step) came in while this one waited: it owns the box.
  if (container.pdfGeneration !== generation) return count;
  if (container.pdfObserver) container.pdfObserver.disconnect();
  container.replaceChildren();
  const base = first.getViewport({ scale: 1 });
  const pending = new Map();
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const n = pending.get(entry.target);
      if (n === undefined) continue;
      pending.delete(entry.target);
      observer.unobserve(entry.target);
      renderPage(doc, n, entry.target, width).then(
        () => entry.target.setAttribute('data-rendered', 'true'),
        () => entry.target.setAttribute('data-rendered', 'failed'),
      );
    }
  }, { root: container, rootMargin: '600px 0px' });
  container.pdfObserver = observer;
  for (let n = 1; n <= count; n++) {
    const canvas = document.createElement('canvas');
    canvas.className = 'pdf-page';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', label.replace('{n}', n).replace('{count}', count));
    // Placeholder size from page 1 until the page itself is drawn.
    canvas.style.width = Math.floor(width) + 'px';
    canvas.style.height = Math.floor((width * base.height) / base.width) + 'px';
    container.appendChild(canvas);
    pending.set(canvas, n);
    observer.observe(canvas);
  }
  return count;
}
