// citewise chat page: plain ES module, no build step, no external resources.
//
// Everything the server sends (answers, quotes, titles, article text) is put into the page as text
// (textContent / text nodes), never parsed as HTML: an article may carry markup and it must show as text.

const KEY_STORE = "citewise.apiKey";
const CONVERSATION_STORE = "citewise.conversationId";
const CONTEXT_CHARS = 700; // at most this much of a long paragraph on each side of a quote
const FRAGMENT_WORDS = 4; // words at each end of a text-fragment link (whole quote when short)
const SHORT_QUOTE_CHARS = 110; // a quote under its source card is cut to about this much
// as in assistant/answer/render.py: how a sentence derived from metadata is marked, and which quotation
// marks a quote may bring of its own (single marks only at the start: at the end they are mostly apostrophes)
const DERIVED_LABEL = "From the publication dates";
const DERIVED_MARK = `${DERIVED_LABEL} (not a quote): `;
const OPENING = "“”„‟\"«»‘‚'‹›";
const CLOSING = "“”„‟\"«»›‹";

const $ = (id) => document.getElementById(id);
const ui = {
  main: $("main"),
  intro: $("intro"),
  corpus: $("corpus"),
  log: $("log"),
  form: $("ask-form"),
  question: $("question"),
  send: $("send"),
  sendLabel: document.querySelector("#send .send-label"),
  newConversation: $("new-conversation"),
  card: $("source-card"),
  cardNumber: $("card-number"),
  cardSource: $("card-source"),
  cardTitle: $("card-title"),
  cardByline: $("card-byline"),
  cardBody: $("card-body"),
  cardClose: $("card-close"),
  keyDialog: $("key-dialog"),
  keyForm: $("key-form"),
  keyInput: $("api-key"),
  keyReason: $("key-reason"),
  keyServer: $("key-server"),
  keyCancel: $("key-cancel"),
};

const state = {
  conversationId: localStorage.getItem(CONVERSATION_STORE),
  busy: false,
  controller: null, // AbortController of the answer being streamed
  articles: new Map(), // article_id -> Promise of the article
  cardOpener: null, // the element to give focus back to when the card closes
  generation: 0, // bumped by "New conversation": late results of older turns are dropped
};

// ---------------------------------------------------------------- DOM helpers

/** An element with attributes and children; strings become text nodes (never HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function icon(name) {
  const paths = {
    info: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 11v5.5M12 7.6v.1",
    alert: "M12 3.5 21.5 20h-19zM12 10v4.2M12 17v.1",
    check: "M5 12.5l4.5 4.5L19 7.5",
    external: "M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5",
  };
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const attrs = { viewBox: "0 0 24 24", width: "18", height: "18", "aria-hidden": "true", focusable: "false",
    fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round" };
  for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, v);
  svg.classList.add("icon");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", paths[name]);
  svg.append(path);
  return svg;
}

/** "25 June 2025" (with ", 19:17" when asked and the time is known); the ISO text when unparseable. */
function formatDate(iso, withTime = false) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(iso || "");
  if (!m) return iso || "";
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  let text = date.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  if (withTime && m[4] && !(m[4] === "00" && m[5] === "00")) text += `, ${m[4]}:${m[5]}`;
  return text;
}

/** The URL if it is http(s), else null: a stored URL must never become a javascript: link. */
function safeHttpUrl(url) {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u : null;
  } catch {
    return null;
  }
}

/** A text-fragment link (#:~:text=start,end) that scrolls the original page to the quote. */
export function fragmentLink(url, quote) {
  const u = safeHttpUrl(url);
  if (!u) return null;
  // "-", "," and "&" have a meaning in a text directive: they must be percent-encoded
  const enc = (s) => encodeURIComponent(s).replace(/-/g, "%2D");
  const words = (quote || "").trim().split(/\s+/).filter(Boolean);
  u.hash = "";
  if (!words.length) return u.href;
  const directive = words.length <= FRAGMENT_WORDS * 2
    ? enc(words.join(" "))
    : `${enc(words.slice(0, FRAGMENT_WORDS).join(" "))},${enc(words.slice(-FRAGMENT_WORDS).join(" "))}`;
  return `${u.href}#:~:text=${directive}`;
}

/** The quote in “ ”, or as written when it begins or ends with a quotation mark of its own: ours would
 *  stack on its own (““He wants …”) or be left unpaired. The same rule as render.quoted on the server. */
export function quoted(quote) {
  const bare = (quote || "").trim();
  if (bare && (OPENING.includes(bare[0]) || CLOSING.includes(bare[bare.length - 1]))) return quote;
  return `“${quote || ""}”`;
}

/** A sentence derived from metadata as shown: marked, never in quotation marks (render.derived_line). */
export function derivedLine(sentence) {
  let s = (sentence || "").trim();
  if (s.toLowerCase().startsWith(DERIVED_LABEL.toLowerCase())) {
    s = s.slice(DERIVED_LABEL.length).replace(/^[\s:,]+/, "");
    if (s.startsWith("(not a quote)")) s = s.slice("(not a quote)".length).replace(/^[\s:,]+/, "");
  }
  return DERIVED_MARK + s;
}

/** The marked lines of the derived sentences the answer text does not already show (render.derived_lines). */
export function derivedLines(text, derived) {
  return (derived || []).filter((d) => d && d.trim() && !text.includes(derivedLine(d)) && !text.includes(d.trim()))
    .map(derivedLine);
}

/** Citations grouped by article, the groups in order of their first marker: one source card each. */
export function byArticle(citations) {
  const groups = new Map();
  for (const c of [...citations].sort((a, b) => a.n - b.n)) {
    if (!groups.has(c.article_id)) groups.set(c.article_id, []);
    groups.get(c.article_id).push(c);
  }
  return [...groups.values()];
}

/** The start of a long quote, cut at a word, for its line under the source card. */
function shortQuote(quote) {
  if (quote.length <= SHORT_QUOTE_CHARS) return quote;
  const cut = quote.lastIndexOf(" ", SHORT_QUOTE_CHARS);
  return `${quote.slice(0, cut > SHORT_QUOTE_CHARS / 2 ? cut : SHORT_QUOTE_CHARS).replace(/[\s,;:]+$/, "")}…`;
}

/** The paragraph(s) around text[start:end] (paragraphs are separated by a blank line), cut to a
 *  readable length at a word boundary when a paragraph is very long. */
export function excerpt(text, start, end) {
  let from = start > 0 ? text.lastIndexOf("\n\n", start - 1) : -1;
  from = from < 0 ? 0 : from + 2;
  if (from > start) from = start;
  let to = text.indexOf("\n\n", end);
  to = to < 0 ? text.length : to;
  let lead = "";
  let tail = "";
  if (start - from > CONTEXT_CHARS) {
    const cut = text.indexOf(" ", start - CONTEXT_CHARS);
    if (cut >= 0 && cut < start) {
      from = cut + 1;
      lead = "… ";
    }
  }
  if (to - end > CONTEXT_CHARS) {
    const cut = text.lastIndexOf(" ", end + CONTEXT_CHARS);
    if (cut > end) {
      to = cut;
      tail = " …";
    }
  }
  return {
    lead, tail,
    before: text.slice(from, start),
    quote: text.slice(start, end),
    after: text.slice(end, to),
    partial: from > 0 || to < text.length,
  };
}

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

function authHeaders(extra = {}) {
  // a header no other web page can send without CORS consent: with it the server knows a write (an upload
  // above all, whose multipart body a form could also send) comes from this page (see sitecheck.py)
  const headers = { "X-Citewise": "1", ...extra };
  const key = localStorage.getItem(KEY_STORE);
  if (key) headers.Authorization = `Bearer ${key}`;
  return headers;
}

async function errorFrom(response) {
  let type = `http_${response.status}`;
  let message = `The service answered ${response.status} ${response.statusText}`.trim() + ".";
  try {
    const body = await response.json();
    if (body && body.error) {
      type = body.error.type || type;
      message = body.error.message || message;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, type, message);
}

/** fetch() on the API with the page's headers (API key, X-Citewise); an ApiError for a non-2xx answer.
 *  Exported for scripts on the page (and its tests), e.g. an upload of a FormData to /v1/ingest. */
export async function apiFetch(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: authHeaders(options.headers) });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "The service could not be reached. Check that it is running, then try again.");
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function getJSON(path) {
  const response = await apiFetch(path, { headers: { Accept: "application/json" } });
  return response.json();
}

/** Run fn; on a 401, ask the user for an API key and run it again (until it works or they cancel). */
async function withKey(fn) {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      if (!(await askForKey(err.message))) throw err;
    }
  }
}

let keyPrompt = null;

function askForKey(reason) {
  if (keyPrompt) return keyPrompt;
  const had = localStorage.getItem(KEY_STORE);
  ui.keyReason.textContent = had ? "The saved key was refused. Paste another one to continue."
    : "Paste one of the service’s API keys to continue.";
  ui.keyServer.textContent = reason ? `The service said: ${reason}` : "";
  ui.keyInput.value = "";
  keyPrompt = new Promise((resolve) => {
    ui.keyDialog.addEventListener("close", () => {
      keyPrompt = null;
      const key = ui.keyInput.value.trim();
      if (ui.keyDialog.returnValue === "saved" && key) {
        localStorage.setItem(KEY_STORE, key);
        resolve(true);
      } else {
        resolve(false);
      }
    }, { once: true });
  });
  ui.keyDialog.returnValue = "";
  ui.keyDialog.showModal();
  ui.keyInput.focus();
  return keyPrompt;
}

ui.keyForm.addEventListener("submit", (e) => {
  e.preventDefault();
  if (ui.keyInput.value.trim()) ui.keyDialog.close("saved");
});
ui.keyCancel.addEventListener("click", () => ui.keyDialog.close("cancel"));

/** Server-Sent Events from a fetch() response body: yields {event, data} with data parsed as JSON. */
async function* sseEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const parse = (block) => {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return null;
    const raw = data.join("\n");
    try {
      return { event, data: JSON.parse(raw) };
    } catch {
      return { event, data: raw };
    }
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    // normalise line ends; a lone "\r" at the end may be the first half of "\r\n": keep it for later
    buffer = (buffer + value).replace(/\r\n|\r(?!$)/g, "\n");
    let i;
    while ((i = buffer.indexOf("\n\n")) >= 0) {
      const parsed = parse(buffer.slice(0, i));
      buffer = buffer.slice(i + 2);
      if (parsed) yield parsed;
    }
  }
  const last = parse(buffer.replace(/\r$/, ""));
  if (last) yield last;
}

function getArticle(id) {
  if (!state.articles.has(id)) {
    const promise = withKey(() => getJSON(`/v1/articles/${encodeURIComponent(id)}`));
    promise.catch(() => state.articles.delete(id)); // retry next time
    state.articles.set(id, promise);
  }
  return state.articles.get(id);
}

// ---------------------------------------------------------------- a turn of the conversation

/** A question and its answer in the log. */
class Turn {
  constructor(question) {
    this.question = question;
    this.text = "";
    this.citations = new Map();
    this.answer = null;
    this.answerEl = h("div", { class: "answer", "aria-label": "Answer", "aria-busy": "true" });
    this.el = h("li", { class: "turn" },
      h("div", { class: "asked" }, h("p", { class: "bubble", text: question })),
      this.answerEl);
    this.showStatus("Searching the articles…");
  }

  showStatus(message) {
    this.answerEl.replaceChildren(h("p", { class: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }),
      message));
  }

  /** The streamed text so far (deltas), with its [n] markers as citation buttons. */
  renderText() {
    const body = h("div", { class: "answer-text" });
    appendAnswerText(body, this.text, this);
    this.answerEl.replaceChildren(body);
  }

  /** The full answer object (the "done" event, a JSON answer, or a stored turn). */
  finish(answer) {
    this.answer = answer;
    this.text = answer.answer || "";
    this.citations = new Map((answer.citations || []).map((c) => [c.n, c]));
    this.answerEl.removeAttribute("aria-busy");
    const parts = [];
    if (answer.status === "no_answer") {
      this.el.classList.add("is-no-answer");
      parts.push(h("div", { class: "no-answer", role: "status" },
        icon("info"),
        h("div", {},
          h("p", { class: "no-answer-title", text: "The articles don’t say" }),
          h("p", { text: this.text || "None of the passages found answers this question." }),
          h("p", { class: "muted small", text: "Nothing is quoted rather than something close but wrong. "
            + "Try other words, or ask about something the articles cover." }))));
    } else {
      const body = h("div", { class: "answer-text" });
      appendAnswerText(body, this.text, this);
      const extra = derivedLines(this.text, answer.derived);
      if (extra.length) appendAnswerText(body, extra.join("\n"), this);
      parts.push(body);
      if (this.citations.size) parts.push(sourcesList(this));
    }
    const meta = [];
    if (answer.fallback_reason) meta.push(`quoted without the language model (${answer.fallback_reason})`);
    else if (answer.backend) meta.push(answer.backend === "extractive" ? "verbatim quotes" : answer.backend);
    if (answer.timings_ms && answer.timings_ms.total !== undefined) meta.push(`${Math.round(answer.timings_ms.total)} ms`);
    if (meta.length) parts.push(h("p", { class: "answer-meta", text: meta.join(" · ") }));
    this.answerEl.replaceChildren(...parts);
  }

  fail(err) {
    this.answerEl.removeAttribute("aria-busy");
    this.el.classList.add("is-error");
    const retry = h("button", { type: "button", class: "button ghost small", text: "Try again",
      onclick: () => {
        if (state.busy) return;
        this.el.remove();
        submitQuestion(this.question);
      } });
    this.answerEl.replaceChildren(h("div", { class: "error", role: "alert" },
      icon("alert"),
      h("div", {},
        h("p", { class: "error-title", text: "The question could not be answered" }),
        h("p", { class: "error-message", text: err.message || String(err) }),
        err.type && err.type !== "network" ? h("p", { class: "muted small", text: `(${err.type})` }) : null,
        retry)));
  }
}

/** Text with [n] markers, each marker a focusable citation button: a block per article (the answer's
 *  blocks are separated by a blank line), one paragraph a line. A line with no marker that ends in ":" is
 *  an article's heading (outlet, date); a line marked as derived from the publication dates is shown as a
 *  note, apart from the quotes. */
function appendAnswerText(container, text, turn) {
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((line) => line.trim());
    if (!lines.length) continue;
    const div = h("div", { class: "answer-block" });
    for (const line of lines) div.append(answerLine(line, turn));
    container.append(div);
  }
}

function answerLine(line, turn) {
  if (line.startsWith(DERIVED_MARK)) {
    const note = h("p", { class: "derived", role: "note" },
      h("span", { class: "derived-tag", text: `${DERIVED_LABEL} · not a quote` }));
    appendMarked(note, line.slice(DERIVED_MARK.length), turn);
    return note;
  }
  const heading = !/\[\d+\]/.test(line) && line.trim().endsWith(":");
  const p = h("p", { class: heading ? "answer-source" : null });
  appendMarked(p, line, turn);
  return p;
}

function appendMarked(p, line, turn) {
  const re = /\[(\d+)\]/g;
  let last = 0;
  let m;
  while ((m = re.exec(line))) {
    if (m.index > last) p.append(line.slice(last, m.index));
    p.append(h("sup", { class: "cite-wrap" }, citeButton(turn, Number(m[1]))));
    last = m.index + m[0].length;
  }
  if (last < line.length) p.append(line.slice(last));
}

function citationLabel(c) {
  return [c.source, formatDate(c.published), c.title].filter(Boolean).join(", ");
}

function citeButton(turn, n) {
  const c = turn.citations.get(n);
  return h("button", {
    type: "button", class: "cite", "data-n": n, "aria-haspopup": "dialog",
    "aria-label": c ? `Source ${n}: ${citationLabel(c)}` : `Source ${n}`,
    title: c ? citationLabel(c) : null,
    onclick: (e) => {
      const citation = turn.citations.get(n);
      if (citation) openCard(citation, e.currentTarget);
    },
  }, String(n));
}

/** One card per article: its markers, outlet, date and headline (opening its first quote), then each of
 *  its quotes, cut short, opening its own place in the article. */
function sourcesList(turn) {
  const items = byArticle(turn.citations.values()).map((group) => {
    const c = group[0];
    const nums = group.map((q) => q.n);
    const more = new Set(group.flatMap((q) => (q.also_in || []).map((o) => o.article_id))).size;
    const label = `Source${nums.length > 1 ? "s" : ""} ${nums.join(", ")}: ${citationLabel(c)}`
      + (more ? `; also in ${more} other article${more > 1 ? "s" : ""}` : "");
    return h("li", { class: "source-article", "data-article": c.article_id },
      h("button", { type: "button", class: "source-item", "data-n": c.n, "aria-haspopup": "dialog",
        "aria-label": label, onclick: (e) => openCard(c, e.currentTarget) },
      h("span", { class: "source-nums", "aria-hidden": "true" },
        nums.map((n) => h("span", { class: "source-num", text: String(n) }))),
      h("span", { class: "source-text" },
        h("span", { class: "source-outlet" },
          h("strong", { text: c.source || "Unknown outlet" }),
          c.published ? ` · ${formatDate(c.published)}` : "",
          more ? h("span", { class: "badge", text: `+${more} more` }) : null),
        h("span", { class: "source-title", text: c.title || "Untitled" }))),
      h("ul", { class: "source-quotes", "aria-label": `Quotes from ${c.source || "this article"}` },
        group.map((q) => h("li", {},
          h("button", { type: "button", class: "source-quote", "data-n": q.n, "aria-haspopup": "dialog",
            "aria-label": `Quote ${q.n} in its article`, onclick: (e) => openCard(q, e.currentTarget) },
          h("span", { class: "source-quote-n", "aria-hidden": "true", text: `[${q.n}]` }),
          h("span", { class: "source-quote-text", text: quoted(shortQuote(q.quote || "")) }))))));
  });
  return h("section", { class: "sources", "aria-label": "Sources" },
    h("h3", { class: "sources-title", text: items.length > 1 ? `Sources · ${items.length} articles` : "Source" }),
    h("ol", { class: "source-list" }, items));
}

// ---------------------------------------------------------------- asking

function setBusy(busy) {
  state.busy = busy;
  ui.send.classList.toggle("is-stop", busy);
  ui.send.setAttribute("aria-label", busy ? "Stop answering" : "Send question");
  ui.sendLabel.textContent = busy ? "Stop" : "Ask";
}

function nearBottom() {
  const doc = document.scrollingElement || document.documentElement;
  return doc.scrollHeight - doc.scrollTop - doc.clientHeight < 160;
}

function scrollToBottom() {
  const doc = document.scrollingElement || document.documentElement;
  window.scrollTo({ top: doc.scrollHeight });
}

function rememberConversation(id) {
  if (!id || id === state.conversationId) return;
  state.conversationId = id;
  localStorage.setItem(CONVERSATION_STORE, id);
}

function addTurn(turn) {
  ui.intro.hidden = true;
  ui.log.append(turn.el);
}

async function submitQuestion(question) {
  const turn = new Turn(question);
  addTurn(turn);
  scrollToBottom();
  setBusy(true);
  const generation = state.generation;
  const controller = new AbortController();
  state.controller = controller;
  const body = { question, stream: true };
  if (state.conversationId) body.conversation_id = state.conversationId;
  try {
    const response = await withKey(() => apiFetch("/v1/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal: controller.signal,
    }));
    if (!(response.headers.get("content-type") || "").includes("text/event-stream")) {
      const answer = await response.json();
      turn.finish(answer);
      rememberConversation(answer.conversation_id);
      return;
    }
    let finished = false;
    for await (const { event, data } of sseEvents(response)) {
      if (generation !== state.generation) return;
      const stick = nearBottom(); // follow the answer as it grows, unless the reader scrolled up
      if (event === "retrieval") {
        const passages = (data && data.passages) || [];
        const articles = new Set(passages.map((p) => p.article_id)).size;
        turn.showStatus(passages.length
          ? `Read ${passages.length} passage${passages.length > 1 ? "s" : ""} from ${articles} article${articles > 1 ? "s" : ""}…`
          : "No passages found…");
      } else if (event === "delta") {
        turn.text += (data && data.text) || "";
        turn.renderText();
      } else if (event === "citation") {
        turn.citations.set(data.n, data);
        turn.renderText();
      } else if (event === "done") {
        turn.finish(data);
        rememberConversation(data.conversation_id);
        finished = true;
      } else if (event === "error") {
        throw new ApiError(0, (data && data.type) || "error", (data && data.message) || "The answer failed.");
      }
      if (stick) scrollToBottom();
    }
    if (!finished) {
      throw new ApiError(0, "incomplete", "The connection closed before the answer was complete. Try again.");
    }
  } catch (err) {
    if (err.name === "AbortError") {
      if (generation === state.generation) turn.fail(new ApiError(0, "stopped", "Stopped before the answer was complete."));
    } else if (generation === state.generation) {
      turn.fail(err);
    }
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      setBusy(false);
    }
  }
}

ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  if (state.busy) {
    // the button is a Stop button while an answer streams; Enter in the box does nothing meanwhile
    if (e.submitter === ui.send && state.controller) state.controller.abort();
    return;
  }
  const question = ui.question.value.trim();
  if (!question) {
    ui.question.focus();
    return;
  }
  ui.question.value = "";
  autoGrow();
  submitQuestion(question);
});

ui.question.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    if (!state.busy) ui.form.requestSubmit();
  }
});

function autoGrow() {
  ui.question.style.height = "auto";
  ui.question.style.height = `${Math.min(ui.question.scrollHeight, window.innerHeight * 0.4)}px`;
}
ui.question.addEventListener("input", autoGrow);

ui.newConversation.addEventListener("click", () => {
  state.generation += 1;
  if (state.controller) state.controller.abort();
  state.controller = null;
  setBusy(false);
  state.conversationId = null;
  localStorage.removeItem(CONVERSATION_STORE);
  if (ui.card.open) ui.card.close();
  ui.log.replaceChildren();
  ui.intro.hidden = false;
  ui.question.value = "";
  autoGrow();
  ui.question.focus();
});

// ---------------------------------------------------------------- the source card

/** Open the card of a citation (or of an also_in entry: same shape, fewer fields). */
async function openCard(citation, opener, others = citation.also_in || []) {
  if (opener) state.cardOpener = opener;
  const token = {};
  state.cardToken = token;
  ui.cardNumber.textContent = citation.n ? String(citation.n) : "";
  ui.cardNumber.hidden = !citation.n;
  fillCardMeta(citation);
  ui.cardBody.replaceChildren(h("p", { class: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }),
    "Opening the article…"));
  if (!ui.card.open) ui.card.showModal();
  ui.cardTitle.focus();
  let article;
  try {
    article = await getArticle(citation.article_id);
    if ((article.text || "").slice(citation.start, citation.end) !== citation.quote) {
      state.articles.delete(citation.article_id); // a copy fetched before the article changed? ask again
      article = await getArticle(citation.article_id);
    }
  } catch (err) {
    if (state.cardToken !== token) return;
    ui.cardBody.replaceChildren(
      h("div", { class: "error", role: "alert" }, icon("alert"),
        h("div", {},
          h("p", { class: "error-title", text: "The article could not be opened" }),
          h("p", { class: "error-message", text: err.message || String(err) }))),
      quoteOnly(citation.quote), alsoIn(citation, others));
    return;
  }
  if (state.cardToken !== token) return;
  fillCardMeta({ ...citation, ...pick(article, ["title", "source", "author", "published", "url"]) });
  ui.cardBody.replaceChildren(...cardBody(citation, article), alsoIn(citation, others));
}

function pick(obj, keys) {
  const out = {};
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) out[k] = obj[k];
  return out;
}

function fillCardMeta(m) {
  ui.cardSource.textContent = [m.source || "Unknown outlet", formatDate(m.published, true)].filter(Boolean).join(" · ");
  ui.cardTitle.textContent = m.title || "Untitled";
  ui.cardByline.textContent = m.author && m.author !== m.source ? `By ${m.author}` : "";
  ui.cardByline.hidden = !ui.cardByline.textContent;
}

function quoteOnly(quote) {
  return h("blockquote", { class: "excerpt" }, h("mark", { class: "quote-mark", text: quote }));
}

function cardBody(citation, article) {
  const text = article.text || "";
  let { start, end } = citation;
  let note;
  if (text.slice(start, end) === citation.quote) {
    note = h("p", { class: "verified" }, icon("check"),
      `The quote matches the stored article, characters ${start.toLocaleString("en")}–${end.toLocaleString("en")}.`);
  } else {
    const found = citation.quote ? text.indexOf(citation.quote) : -1;
    if (found < 0) {
      return [
        h("div", { class: "error", role: "alert" }, icon("alert"),
          h("div", {}, h("p", { class: "error-title", text: "The quote is no longer in the stored article" }),
            h("p", { class: "error-message", text: "The article changed after this answer was given." }))),
        quoteOnly(citation.quote), sourceLink(article, citation.quote),
      ];
    }
    start = found;
    end = found + citation.quote.length;
    note = h("p", { class: "verified warn" }, icon("alert"),
      `The article changed since this answer; the quote now stands at characters ${start}–${end}.`);
  }
  const ex = excerpt(text, start, end);
  const block = h("blockquote", { class: "excerpt", "aria-label": "The quote in its paragraph" },
    ex.lead, ex.before, h("mark", { class: "quote-mark", text: ex.quote }), ex.after, ex.tail);
  return [
    h("p", { class: "section-label", text: ex.partial ? "In its paragraph" : "In the article" }),
    block,
    note,
    sourceLink(article, ex.quote),
  ];
}

function sourceLink(article, quote) {
  const href = fragmentLink(article.url, quote);
  if (!href) {
    return h("p", { class: "muted small no-link",
      text: article.url ? "The stored link is not a web address, so it is not shown as a link."
        : "No link to the original: the article was added without its web address." });
  }
  const host = safeHttpUrl(article.url).host;
  return h("p", { class: "source-link-row" },
    h("a", { class: "button primary source-link", href, target: "_blank", rel: "noopener noreferrer",
      "aria-label": `Open the original article on ${host}, scrolled to the quote (opens in a new tab)` },
    "Open the original at the quote", icon("external")),
    h("span", { class: "muted small host", text: host }));
}

function alsoIn(citation, others) {
  if (!others || !others.length) return document.createDocumentFragment();
  const items = others.map((o) => h("li", {},
    h("button", { type: "button", class: "also-item",
      "aria-label": `Open the same quote in ${[o.source, formatDate(o.published), o.title].filter(Boolean).join(", ")}`,
      onclick: () => openCard({ ...o, n: citation.n }, null, [citation, ...others.filter((x) => x !== o)]
        .map(({ also_in: _, ...rest }) => rest)) },
    h("span", { class: "source-outlet" },
      h("strong", { text: o.source || "Unknown outlet" }), o.published ? ` · ${formatDate(o.published)}` : ""),
    h("span", { class: "source-title", text: o.title || "Untitled" }))));
  return h("section", { class: "also-in", "aria-label": "The same quote in other articles" },
    h("h3", { class: "section-label", text: `Also in ${others.length} other article${others.length > 1 ? "s" : ""}` }),
    h("ul", { class: "also-list" }, items));
}

ui.cardClose.addEventListener("click", () => ui.card.close());
// a click on the backdrop (outside the card's inner box) closes it
ui.card.addEventListener("click", (e) => {
  if (e.target === ui.card) ui.card.close();
});
ui.card.addEventListener("close", () => {
  state.cardToken = null;
  const opener = state.cardOpener;
  state.cardOpener = null;
  if (opener && opener.isConnected) opener.focus();
  else ui.question.focus();
});

// ---------------------------------------------------------------- start

async function showCorpus() {
  try {
    const list = await withKey(() => getJSON("/v1/articles"));
    const articles = list.articles || [];
    if (!articles.length) {
      ui.corpus.textContent = "No articles are stored yet: add some with citewise ingest or POST /v1/ingest.";
    } else {
      const outlets = [...new Set(articles.map((a) => a.source).filter(Boolean))];
      const years = articles.map((a) => /^\d{4}/.exec(a.published || "")).filter(Boolean).map((m) => +m[0]);
      const span = years.length ? ` · ${Math.min(...years)}${Math.max(...years) !== Math.min(...years)
        ? `–${Math.max(...years)}` : ""}` : "";
      const shown = outlets.slice(0, 4).join(", ") + (outlets.length > 4 ? ` and ${outlets.length - 4} more` : "");
      ui.corpus.textContent = `${list.count ?? articles.length} article${articles.length === 1 ? "" : "s"}`
        + (shown ? ` from ${shown}` : "") + span;
    }
    ui.corpus.hidden = false;
  } catch {
    // the summary is a nicety: asking still works (and will ask for a key if one is needed)
  }
}

async function restoreConversation() {
  const id = state.conversationId;
  if (!id) return;
  try {
    const conversation = await withKey(() => getJSON(`/v1/conversations/${encodeURIComponent(id)}`));
    if (state.conversationId !== id) return; // a new conversation started meanwhile
    for (const t of conversation.turns || []) {
      const turn = new Turn(t.question);
      addTurn(turn);
      if (t.answer) turn.finish(t.answer);
    }
    if ((conversation.turns || []).length) scrollToBottom();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 422)) {
      state.conversationId = null;
      localStorage.removeItem(CONVERSATION_STORE);
    } else if (err instanceof ApiError) {
      ui.log.append(h("li", { class: "notice", role: "status",
        text: `The previous conversation could not be restored: ${err.message}` }));
    }
  }
}

async function start() {
  await restoreConversation();
  showCorpus();
  document.body.dataset.ready = "true";
  if (!ui.card.open && !ui.keyDialog.open) ui.question.focus();
}

start();
