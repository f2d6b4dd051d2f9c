// The ragops chat page: streams answers over SSE (fetch + ReadableStream), shows citations,
// marks the passage span behind each sentence, sends feedback, uploads documents and follows their ingestion jobs. No framework, no build.
"use strict";

const $ = (id) => document.getElementById(id);
const keyInput = $("api-key");
keyInput.value = localStorage.getItem("ragops-key") || "";
keyInput.addEventListener("change", () => { localStorage.setItem("ragops-key", keyInput.value.trim()); loadCollections(); });

function headers(extra = {}) {
  const key = keyInput.value.trim();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

async function problemText(response) {
  try { const body = await response.json(); return body.detail || body.title || response.statusText; }
  catch { return `${response.status} ${response.statusText}`; }
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

async function loadCollections() {
  const select = $("collection");
  const response = await fetch("/v1/collections", { headers: headers() });
  if (!response.ok) { setStatus(await problemText(response), true); return; }
  const previous = select.value || localStorage.getItem("ragops-collection");
  select.replaceChildren(...(await response.json()).map((c) => {
    const option = new Option(`${c.name} (${c.documents} docs)`, c.name);
    option.selected = c.name === previous;
    return option;
  }));
}
$("collection").addEventListener("change", (e) => localStorage.setItem("ragops-collection", e.target.value));

// Parses an SSE byte stream into {event, data} messages.
async function* sseMessages(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message"; const data = [];
      for (const line of raw.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}

// Opens a passage; given the attribution of the sentence that cites it, the span behind that sentence is marked.
function openSource(citation, attribution = null) {
  $("source-title").textContent = `[${citation.number}] ${citation.title}`;
  const quote = $("source-snippet");
  if (attribution && attribution.passage_end > attribution.passage_start) {
    const { text } = citation;
    const mark = document.createElement("mark");
    mark.textContent = text.slice(attribution.passage_start, attribution.passage_end);
    quote.replaceChildren(text.slice(0, attribution.passage_start), mark, text.slice(attribution.passage_end));
  } else {
    quote.textContent = citation.snippet;
  }
  const link = $("source-link");
  link.hidden = !citation.uri;
  if (citation.uri) link.href = citation.uri;
  $("source").showModal();
  quote.querySelector("mark")?.scrollIntoView({ block: "center" });
}

function citationButton(citation, attribution) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "citation";
  button.textContent = citation.number;
  button.setAttribute("aria-label", `Source ${citation.number}: ${citation.title}`);
  button.addEventListener("click", () => openSource(citation, attribution));
  return button;
}

// Appends text with its [n] markers as buttons; a marker of `attribution`'s passage opens it at that span.
function appendCited(element, text, byNumber, attribution) {
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const citation = byNumber.get(Number(match[1]));
    if (!citation) continue;
    const span = attribution && attribution.citation === citation.number ? attribution : null;
    element.append(text.slice(last, match.index), citationButton(citation, span));
    last = match.index + match[0].length;
  }
  element.append(text.slice(last));
}

// The final answer sentence by sentence: each sentence's marker opens the span that supports it, and a
// sentence no passage supports is marked, so that a reader knows it is the model's word alone.
function renderAnswer(element, answer) {
  const byNumber = new Map(answer.citations.map((c) => [c.number, c]));
  const text = answer.answer;
  element.replaceChildren();
  let last = 0;
  let previous = null; // a sentence's marker follows it: text between sentences belongs to the one before
  for (const attribution of answer.attributions) {
    appendCited(element, text.slice(last, attribution.start), byNumber, previous);
    const sentence = document.createElement("span");
    sentence.className = attribution.supported ? "sentence" : "sentence unsupported";
    if (!attribution.supported) sentence.title = "No passage supports this sentence";
    appendCited(sentence, text.slice(attribution.start, attribution.end), byNumber, attribution);
    element.append(sentence);
    last = attribution.end;
    previous = attribution;
  }
  appendCited(element, text.slice(last), byNumber, previous);
}

const ANSWERED_BY = {
  generative: "written by the model, each sentence checked against the passages",
  extractive: "quoted from the passages, no model involved",
  hybrid: "written by the model, with passage sentences where it was not supported",
  "extractive (fallback)": "quoted from the passages: the model failed or wrote nothing usable",
  "extractive (hybrid)": "quoted from the passages: nothing the model wrote was supported",
};

function renderProvenance(item, answer) {
  if (!answer.answered_by) return;
  const line = document.createElement("p");
  line.className = "answered-by";
  const unsupported = answer.attributions.filter((a) => !a.supported).length;
  const note = unsupported ? ` ${unsupported} sentence(s) not supported by any passage.` : "";
  line.textContent = `Answer ${ANSWERED_BY[answer.answered_by] || answer.answered_by}.${note}`;
  item.append(line);
}

function renderSources(item, answer) {
  if (!answer.citations.length) return;
  const list = document.createElement("ol");
  list.className = "sources";
  list.setAttribute("aria-label", "Sources");
  for (const citation of answer.citations) {
    const entry = document.createElement("li");
    entry.value = citation.number;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = citation.title;
    button.addEventListener("click", () => openSource(citation));
    entry.append(button);
    list.append(entry);
  }
  item.append(list);
}

function renderFeedback(item, answer) {
  const box = document.createElement("div");
  box.className = "feedback";
  box.append("Was this helpful?");
  const note = document.createElement("span");
  note.setAttribute("role", "status");
  for (const [rating, label] of [[1, "Yes"], [-1, "No"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.className = rating > 0 ? "feedback-up" : "feedback-down";
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", async () => {
      const response = await fetch("/v1/feedback", {
        method: "POST",
        headers: headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({ request_id: answer.request_id, trace_id: answer.trace_id, rating }),
      });
      if (response.ok) {
        box.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
        note.textContent = "Thanks for the feedback.";
      } else {
        note.textContent = await problemText(response);
      }
    });
    box.append(button);
  }
  box.append(note);
  item.append(box);
}

function addEntry(className) {
  const item = document.createElement("li");
  item.className = className;
  $("log").append(item);
  return item;
}

async function ask(question) {
  addEntry("question").textContent = question;
  const item = addEntry("answer");
  const text = document.createElement("div");
  text.className = "answer-text streaming";
  text.dataset.tokenEvents = "0";
  item.append(text);
  setStatus("Searching and writing…");
  const response = await fetch("/v1/query/stream", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify({ question, collection: $("collection").value || undefined }),
  });
  if (!response.ok) {
    text.classList.remove("streaming");
    text.textContent = await problemText(response);
    text.classList.add("error");
    setStatus("");
    return;
  }
  for await (const { event, data } of sseMessages(response.body)) {
    if (event === "token") {
      text.append(data.text);
      text.dataset.tokenEvents = String(Number(text.dataset.tokenEvents) + 1);
    } else if (event === "answer") {
      renderAnswer(text, data);
      renderProvenance(item, data);
      renderSources(item, data);
      renderFeedback(item, data);
      item.dataset.requestId = data.request_id;
    } else if (event === "error") {
      text.append(document.createTextNode(`\n${data.detail}`));
      text.classList.add("error");
    }
  }
  text.classList.remove("streaming");
  setStatus("");
}

$("ask-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  $("ask").disabled = true;
  $("question").value = "";
  try { await ask(question); }
  catch (error) { setStatus(`The request failed: ${error.message}`, true); }
  finally { $("ask").disabled = false; $("question").focus(); }
});

$("question").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("ask-form").requestSubmit(); }
});

async function followJob(job, entry) {
  const progress = entry.querySelector("progress");
  const label = entry.querySelector("span");
  for (;;) {
    label.textContent = `${job.filename}: ${job.status}${job.error ? ` — ${job.error}` : ""}`;
    if (job.documents_total) { progress.max = job.documents_total; progress.value = job.documents_done; }
    if (job.status === "completed" || job.status === "failed") {
      progress.max = 1; progress.value = job.status === "completed" ? 1 : 0;
      if (job.status === "completed") loadCollections();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const response = await fetch(`/v1/jobs/${job.id}`, { headers: headers() });
    if (!response.ok) { label.textContent = await problemText(response); return; }
    job = await response.json();
  }
}

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  if ($("collection").value) form.append("collection", $("collection").value);
  const entry = document.createElement("li");
  entry.innerHTML = "<span></span><progress aria-label='ingestion progress'></progress>";
  entry.querySelector("span").textContent = `${file.name}: uploading`;
  $("jobs").prepend(entry);
  const response = await fetch("/v1/documents", { method: "POST", headers: headers(), body: form });
  if (!response.ok) { entry.querySelector("span").textContent = `${file.name}: ${await problemText(response)}`; return; }
  $("file").value = "";
  await followJob(await response.json(), entry);
});

loadCollections();
