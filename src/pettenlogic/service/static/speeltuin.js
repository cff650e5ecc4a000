// The pettenlogic playground: a form built from the flow's JSON Schema, decisions and
// "what would change the verdict" from the service's own API. Plain JavaScript, no
// build step; every text from the server is inserted as text, never as HTML.
"use strict";

const API = "/v1";

// texts of the page itself (field names and descriptions come from the schema)
const T = {
  nl: {
    skip: "Naar het resultaat",
    title: "pettenlogic — speeltuin",
    intro:
      "Beschrijf een verstrekking van persoonsgegevens van de ene taak (pet) naar de andere, " +
      "en zie het oordeel, de grondslag, de plichten, de bronnen en de uitleg — en wat het " +
      "oordeel zou veranderen.",
    formHeading: "Verstrekking",
    language: "Taal van de uitleg",
    loading: "Het formulier wordt geladen…",
    decide: "Beslis",
    share: "Link naar deze verstrekking",
    resultHeading: "Beslissing",
    whatIfHeading: "Wat verandert het oordeel?",
    mapHeading: "Stroomkaart van deze categorie",
    mapHelp: "Voor elke taak waar de gegevens zitten (rij) en elke ontvangende taak (kolom): het oordeel zonder meer, met toestemming en op verzoek.",
    mapAlt: "Stroomkaart van de categorie",
    none: "Nog geen beslissing: vul het formulier in en kies Beslis.",
    choose: "— kies —",
    absent: "(geen)",
    unknown: "onbekend (nog niet beoordeeld)",
    yes: "ja",
    no: "nee",
    busy: "Bezig…",
    verdict: "Oordeel",
    ground: "Grondslag",
    controller: "Verwerkingsverantwoordelijke",
    secrecy: "Beroepsgeheim",
    rules: "Beslissende regels",
    duties: "Plichten",
    conditions: "Open voorwaarden",
    sources: "Bronnen",
    explanation: "Uitleg",
    nothing: "geen",
    rulebook: "Regelset",
    becomes: "Het oordeel wordt",
    when: "als je verandert:",
    apply: "Pas deze wijziging toe",
    unreachable: "Geen wijziging van de omstandigheden geeft:",
    noAlternatives: "Geen enkele wijziging van de omstandigheden verandert dit oordeel.",
    invalid: "De verstrekking is niet geldig:",
    badUrl: "De link bevat waarden die niet bestaan; er is niet beslist:",
    unknownParam: "onbekend veld",
    badValue: "onbekende waarde",
    failed: "De service gaf geen antwoord:",
    applied: "Wijziging toegepast; opnieuw beslist.",
  },
  en: {
    skip: "Skip to the result",
    title: "pettenlogic — playground",
    intro:
      "Describe a transfer of personal data from one task (pet) to another, and see the " +
      "verdict, the ground, the duties, the sources and the explanation — and what would " +
      "change the verdict.",
    formHeading: "Flow",
    language: "Language of the explanation",
    loading: "Loading the form…",
    decide: "Decide",
    share: "Link to this flow",
    resultHeading: "Decision",
    whatIfHeading: "What would change the verdict?",
    mapHeading: "Flow map of this category",
    mapHelp: "For every task where the data sits (row) and every receiving task (column): the verdict plain, with consent and on request.",
    mapAlt: "Flow map of the category",
    none: "No decision yet: fill in the form and choose Decide.",
    choose: "— choose —",
    absent: "(none)",
    unknown: "unknown (not yet judged)",
    yes: "yes",
    no: "no",
    busy: "Working…",
    verdict: "Verdict",
    ground: "Ground",
    controller: "Controller",
    secrecy: "Professional secrecy",
    rules: "Deciding rules",
    duties: "Duties",
    conditions: "Open conditions",
    sources: "Sources",
    explanation: "Explanation",
    nothing: "none",
    rulebook: "Rule set",
    becomes: "The verdict becomes",
    when: "if you change:",
    apply: "Apply this change",
    unreachable: "No change of the circumstances gives:",
    noAlternatives: "No change of the circumstances changes this verdict.",
    invalid: "The flow is not valid:",
    badUrl: "The link holds values that do not exist; nothing was decided:",
    unknownParam: "unknown field",
    badValue: "unknown value",
    failed: "The service did not answer:",
    applied: "Change applied; decided again.",
  },
};

const WOORDEN = JSON.parse(document.getElementById("woorden").textContent);
// 'asked' counts requests, so an answer that arrives after a newer question is dropped
const state = { taal: "nl", fields: new Map(), wetTasks: new Map(), asked: 0 };

function t(key) {
  return T[state.taal][key];
}

// -- small DOM helpers ------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c);
  return node;
}

function human(name) {
  return name.replaceAll("_", " ");
}

function idFor(path) {
  return "veld-" + path.replaceAll(".", "-");
}

// -- the form, generated from the JSON Schema -------------------------------------------

function kindOf(schema) {
  const types = [].concat(schema.type);
  if (schema.enum) return { kind: "enum", nullable: types.includes("null") };
  if (types.includes("boolean")) return { kind: types.includes("null") ? "tribool" : "bool" };
  if (types.includes("integer")) return { kind: "int", nullable: types.includes("null") };
  if (types.includes("string") && schema.format === "date") {
    return { kind: "date", nullable: types.includes("null") };
  }
  if (types.includes("object")) return { kind: "object" };
  throw new Error("unsupported schema type: " + JSON.stringify(schema.type));
}

function buildObject(schema, prefix, name) {
  const path = prefix ? prefix + "." + name : name;
  const box = el("fieldset", { class: "groep", "data-pad": path });
  box.append(
    el("legend", {}, el("span", { class: "sleutel", text: human(name) }), " ", descr(schema))
  );
  const req = new Set(schema.required || []);
  for (const [key, sub] of Object.entries(schema.properties)) {
    const k = kindOf(sub);
    if (k.kind === "object") box.append(buildObject(sub, path, key));
    else box.append(buildLeaf(sub, path + "." + key, key, k, req.has(key)));
  }
  // a 'wet' only goes with some tasks: the schema says which (if/then on 'taak')
  const cond = schema.if && schema.if.properties && schema.if.properties.taak;
  if (cond && cond.not && cond.not.enum) state.wetTasks.set(path, new Set(cond.not.enum));
  return box;
}

function descr(schema) {
  // the vocabulary is Dutch: mark it so an English page still reads it right
  return el("span", { class: "omschrijving", lang: "nl", text: schema.description || "" });
}

function buildLeaf(schema, path, name, k, required) {
  const id = idFor(path);
  const helpId = id + "-hulp";
  const wrap = el("div", { class: "veld veld-" + k.kind });
  const label = el("label", { for: id, text: human(name) });
  const help = el("p", { class: "hulp", id: helpId }, descr(schema), " ",
    el("code", { text: path }));
  let control;
  if (k.kind === "bool") {
    control = el("input", { type: "checkbox", id, name: path, "aria-describedby": helpId });
    control.checked = schema.default === true;
    wrap.append(control, label, help);
  } else {
    if (k.kind === "date") {
      // the law's version: empty means today (the service decides by today's law); a
      // text field with the ISO pattern is one tab stop (a date picker has three)
      control = el("input", {
        type: "text", id, name: path, inputmode: "numeric", pattern: "\\d{4}-\\d{2}-\\d{2}",
        placeholder: "JJJJ-MM-DD", autocomplete: "off", "aria-describedby": helpId,
      });
    } else if (k.kind === "int") {
      control = el("input", {
        type: "number", id, name: path, inputmode: "numeric", step: "1",
        min: schema.minimum, max: schema.maximum, "aria-describedby": helpId,
      });
    } else {
      control = el("select", { id, name: path, "aria-describedby": helpId, required });
      for (const [value, text] of options(schema, k, required)) {
        const opt = el("option", { value }, text);
        control.append(opt);
      }
      control.value = encode(schema.default === undefined ? null : schema.default);
      if (required && schema.default === undefined) control.value = "";
    }
    wrap.append(label, control, help);
  }
  state.fields.set(path, { control, schema, kind: k, required, name });
  return wrap;
}

function options(schema, k, required) {
  if (k.kind === "tribool") {
    return [["", t("unknown")], ["true", t("yes")], ["false", t("no")]];
  }
  const out = [];
  if (required && schema.default === undefined) out.push(["", t("choose")]);
  else if (k.nullable) out.push(["", t("absent")]);
  const d = schema["x-descriptions"] || {};
  for (const value of schema.enum) {
    if (value === null) continue;
    const text = document.createDocumentFragment();
    text.append(value);
    if (d[value]) text.append(" — " + d[value]);
    out.push([value, text]);
  }
  return out;
}

// values as the form holds them ('' is null / absent)
function encode(value) {
  if (value === null || value === undefined) return "";
  return String(value);
}

function readField(f) {
  const c = f.control;
  if (f.kind.kind === "bool") return c.checked;
  if (c.value === "") return null;
  if (f.kind.kind === "tribool") return c.value === "true";
  if (f.kind.kind === "int") return Number(c.value);
  return c.value;
}

function writeField(f, value) {
  if (f.kind.kind === "bool") f.control.checked = value === true;
  else f.control.value = encode(value);
}

function defaultOf(f) {
  return f.schema.default === undefined ? null : f.schema.default;
}

function syncWet() {
  for (const [side, tasks] of state.wetTasks) {
    const taak = state.fields.get(side + ".taak");
    const wet = state.fields.get(side + ".wet");
    if (!taak || !wet) continue;
    const allowed = tasks.has(taak.control.value);
    if (!allowed) wet.control.value = "";
    wet.control.disabled = !allowed;
  }
}

// the flow as JSON: required fields and every field that differs from its default
function readFlow() {
  const flow = {};
  for (const [path, f] of state.fields) {
    const value = readField(f);
    if (!f.required && value === defaultOf(f)) continue;
    if (value === null && !f.required) continue;
    const parts = path.split(".");
    let node = flow;
    for (const p of parts.slice(0, -1)) node = node[p] = node[p] || {};
    node[parts[parts.length - 1]] = value;
  }
  return flow;
}

// -- the shareable URL: ?taal=en&van.taak=jeugdhulp&omstandigheden.pgb=true ---------------

function toParams() {
  const params = new URLSearchParams();
  if (state.taal !== "nl") params.set("taal", state.taal);
  for (const [path, f] of state.fields) {
    const value = readField(f);
    if (value === defaultOf(f) && !(f.required && value !== null)) continue;
    params.set(path, value === null ? "null" : String(value));
  }
  return params;
}

function fromParams(params) {
  const problems = [];
  for (const [key, raw] of params) {
    if (key === "taal") {
      if (raw in T) setTaal(raw);
      else problems.push(`taal=${raw}: ${t("badValue")} (nl, en)`);
      continue;
    }
    const f = state.fields.get(key);
    if (!f) {
      problems.push(`${key}: ${t("unknownParam")}`);
      continue;
    }
    const value = parseValue(f, raw);
    if (value === undefined) problems.push(`${key}=${raw}: ${t("badValue")}`);
    else writeField(f, value);
  }
  syncWet();
  return problems;
}

function parseValue(f, raw) {
  const k = f.kind.kind;
  if (raw === "null") return k === "bool" || (f.required && k === "enum") ? undefined : null;
  if (k === "bool" || k === "tribool") {
    return raw === "true" ? true : raw === "false" ? false : undefined;
  }
  if (k === "date") {
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw + "T00:00:00Z"));
    return ok ? raw : undefined;
  }
  if (k === "int") {
    const n = Number(raw);
    const s = f.schema;
    const ok = /^\d+$/.test(raw) && n >= (s.minimum ?? 0) && n <= (s.maximum ?? Infinity);
    return ok ? n : undefined;
  }
  return f.schema.enum.includes(raw) ? raw : undefined;
}

function updateUrl() {
  const query = toParams().toString();
  const url = location.pathname + (query ? "?" + query : "");
  history.replaceState(null, "", url);
  document.getElementById("deel").href = url;
}

// -- talking to the API ---------------------------------------------------------------

async function post(path, body) {
  const response = await fetch(API + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  let data;
  try {
    data = await response.json();
  } catch {
    data = { detail: response.status + " " + response.statusText };
    return { ok: false, status: response.status, data };
  }
  return { ok: response.ok, status: response.status, data };
}

function problemList(data) {
  const items = (data.errors || []).map((e) => el("li", {}, el("code", { text: e.path || "" }),
    ": " + e.detail));
  return items.length ? el("ul", {}, ...items) : el("p", { text: data.detail || "" });
}

async function decide() {
  const out = document.getElementById("beslissing");
  const alt = document.getElementById("alternatieven");
  const err = document.getElementById("form-fout");
  err.replaceChildren();
  const flow = readFlow();
  const question = ++state.asked;
  out.setAttribute("aria-busy", "true");
  alt.replaceChildren();
  let answer;
  try {
    answer = await post("/beslissingen?taal=" + state.taal, flow);
  } catch (e) {
    answer = { ok: false, data: { detail: String(e) } };
  }
  if (question !== state.asked) return;
  out.removeAttribute("aria-busy");
  if (!answer.ok) {
    const why = answer.status === 400 ? t("invalid") : t("failed");
    out.replaceChildren(el("p", { class: "fout", text: why }), problemList(answer.data));
    delete out.dataset.oordeel;
    return;
  }
  updateUrl();
  out.replaceChildren(renderDecision(answer.data));
  out.dataset.oordeel = answer.data.oordeel;
  showMap(flow);
  await whatIf(flow, question);
}

function showMap(flow) {
  // the van x naar overview of the flow's category, drawn by the service (an SVG image)
  const categorie = flow.gegevens && flow.gegevens.categorie;
  const wet = (flow.naar && flow.naar.wet) || (flow.van && flow.van.wet) || "jeugdwet";
  const box = document.getElementById("kaart");
  if (!categorie) { box.replaceChildren(); return; }
  const src = "/v1/kaarten/" + encodeURIComponent(categorie) + "?wet=" + encodeURIComponent(wet);
  if (box.firstChild && box.firstChild.getAttribute("src") === src) return;
  box.replaceChildren(el("img", { src: src, alt: t("mapAlt") + " " + categorie + " (" + wet + ")", id: "kaart-beeld" }));
}

async function whatIf(flow, question) {
  const alt = document.getElementById("alternatieven");
  alt.setAttribute("aria-busy", "true");
  alt.replaceChildren(el("p", { text: t("busy") }));
  let answer;
  try {
    answer = await post("/beslissingen/alternatieven?taal=" + state.taal, flow);
  } catch (e) {
    answer = { ok: false, data: { detail: String(e) } };
  }
  if (question !== state.asked) return;
  alt.removeAttribute("aria-busy");
  if (!answer.ok) {
    alt.replaceChildren(el("p", { class: "fout", text: t("failed") }), problemList(answer.data));
    return;
  }
  alt.replaceChildren(renderAlternatives(answer.data));
}

// -- the result views -------------------------------------------------------------------

function word(kind, code) {
  const d = (WOORDEN[kind] || {})[code];
  return d ? el("span", {}, code + " ", el("span", { class: "omschrijving", lang: "nl",
    text: "(" + d + ")" })) : code;
}

// as Bron.label() in the library words a citation
function bronLabel(b) {
  if (b.regeling === "handreiking") {
    return "handreiking §" + b.artikel + (b.pagina ? ", p. " + b.pagina : "");
  }
  const parts = [WOORDEN.korte_naam[b.regeling] || b.regeling, b.artikel];
  if (b.lid) parts.push("lid " + b.lid);
  if (b.onderdeel) parts.push((b.aanhef ? "aanhef en " : "") + "onder " + b.onderdeel);
  if (b.sub) parts.push("sub " + b.sub + "°");
  return parts.join(" ");
}

function bron(b) {
  const label = bronLabel(b);
  const title = b.titel || (b.versie ? "versie " + b.versie : undefined);
  return b.url ? el("a", { href: b.url, rel: "noopener noreferrer", title, text: label }) :
    el("span", { title, text: label });
}

function list(items, render) {
  if (!items.length) return el("p", { class: "leeg", text: t("nothing") });
  return el("ul", {}, ...items.map((i) => el("li", {}, render(i))));
}

function renderDecision(d) {
  const box = el("div", { class: "beslissing" });
  box.append(el("p", { class: "oordeel oordeel-" + d.oordeel },
    t("verdict") + ": ", el("strong", { id: "oordeel", text: d.oordeel }),
    " ", el("span", { class: "omschrijving", lang: "nl",
      text: "— " + (WOORDEN.oordeel[d.oordeel] || "") })));
  const dl = el("dl");
  const row = (k, v) => dl.append(el("dt", { text: t(k) }), el("dd", {}, v));
  row("ground", d.grondslag.length
    ? el("ul", { class: "plat" }, ...d.grondslag.map((g) => el("li", {}, word("grondslag", g))))
    : t("nothing"));
  row("controller", word("verwerkingsverantwoordelijke", d.verwerkingsverantwoordelijke));
  row("secrecy", d.beroepsgeheim ? t("yes") : t("no"));
  row("rules", d.regels.length ? el("ul", { class: "plat" }, ...d.regels.map((r) =>
    el("li", {}, el("a", { href: API + "/regels/" + encodeURIComponent(r), text: r }))))
    : t("nothing"));
  box.append(dl);
  box.append(el("h3", { text: t("duties") }), list(d.plichten, (p) => {
    const frag = document.createDocumentFragment();
    frag.append(el("span", { text: p.tekst }));
    if (p.bronnen.length) {
      const refs = el("span", { class: "bronnen" }, " (");
      p.bronnen.forEach((b, i) => refs.append(i ? "; " : "", bron(b)));
      refs.append(")");
      frag.append(refs);
    }
    return frag;
  }));
  box.append(el("h3", { text: t("conditions") }), list(d.voorwaarden, (v) => v.tekst));
  box.append(el("h3", { text: t("sources") }), list(d.bronnen, bron));
  box.append(el("h3", { text: t("explanation") }),
    el("pre", { class: "uitleg", lang: state.taal, text: d.uitleg }));
  box.append(el("p", { class: "regelset" }, t("rulebook") + ": ",
    el("code", { text: d.rulebook })));
  return box;
}

function renderAlternatives(a) {
  const box = el("div", { class: "alternatieven" });
  if (!a.alternatieven.length) box.append(el("p", { text: t("noAlternatives") }));
  const items = a.alternatieven.map((alt) => {
    const changes = el("ul", {}, ...alt.wijzigingen.map((w) => el("li", {},
      el("code", { text: w.veld }), ": " + show(w.was) + " → ", el("strong", { text: show(w.wordt) }))));
    const button = el("button", { type: "button", class: "toepassen", text: t("apply") });
    button.addEventListener("click", () => applyChanges(alt.wijzigingen));
    return el("li", { class: "alternatief", "data-oordeel": alt.oordeel },
      el("p", {}, t("becomes") + " ", el("strong", { class: "oordeel-" + alt.oordeel,
        text: alt.oordeel }), " " + t("when")), changes, button);
  });
  if (items.length) box.append(el("ul", { class: "kaarten" }, ...items));
  if (a.onbereikbaar.length) {
    box.append(el("p", { class: "onbereikbaar" }, t("unreachable") + " " +
      a.onbereikbaar.join(", ")));
  }
  return box;
}

function show(value) {
  if (value === true) return t("yes");
  if (value === false) return t("no");
  return value === null ? t("absent") : String(value);
}

async function applyChanges(changes) {
  for (const w of changes) {
    const f = state.fields.get(w.veld);
    if (f) writeField(f, w.wordt);
  }
  syncWet();
  const first = state.fields.get(changes[0].veld);
  await decide();
  document.getElementById("form-fout").replaceChildren();
  if (first) first.control.focus();
}

// -- language ------------------------------------------------------------------------

function setTaal(taal) {
  state.taal = taal;
  document.documentElement.lang = taal;
  for (const radio of document.querySelectorAll("input[name=taal]")) {
    radio.checked = radio.value === taal;
  }
  for (const node of document.querySelectorAll("[data-t]")) {
    node.textContent = t(node.dataset.t);
  }
  // option texts for 'choose', 'none' and the three states of a judgement
  for (const f of state.fields.values()) {
    if (f.control.tagName !== "SELECT") continue;
    const fresh = options(f.schema, f.kind, f.required);
    [...f.control.options].forEach((opt, i) => {
      if (opt.value === "" || f.kind.kind === "tribool") opt.textContent = fresh[i][1];
    });
  }
}

// -- start ---------------------------------------------------------------------------

async function main() {
  const box = document.getElementById("velden");
  const schema = await (await fetch(API + "/schema/verstrekking")).json();
  const form = document.getElementById("verstrekking");
  const fields = [];
  const required = new Set(schema.required || []);
  for (const [key, sub] of Object.entries(schema.properties)) {
    const k = kindOf(sub);
    // a group of fields, or a field of the flow itself (peildatum)
    if (k.kind === "object") fields.push(buildObject(sub, "", key));
    else fields.push(buildLeaf(sub, key, key, k, required.has(key)));
  }
  box.replaceChildren(...fields);
  box.removeAttribute("aria-busy");
  for (const side of state.wetTasks.keys()) {
    state.fields.get(side + ".taak").control.addEventListener("change", syncWet);
  }
  syncWet();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (form.reportValidity()) decide();
  });
  for (const radio of document.querySelectorAll("input[name=taal]")) {
    radio.addEventListener("change", () => {
      setTaal(radio.value);
      if (document.getElementById("beslissing").dataset.oordeel) decide();
      else updateUrl();
    });
  }
  const params = new URLSearchParams(location.search);
  const problems = fromParams(params);
  if (problems.length) {
    document.getElementById("form-fout").replaceChildren(el("p", { text: t("badUrl") }),
      el("ul", {}, ...problems.map((p) => el("li", { text: p }))));
    return;
  }
  setTaal(state.taal);
  const complete = [...state.fields.values()].every((f) => !f.required || readField(f) !== null);
  if (params.size && complete) await decide();
}

main();
