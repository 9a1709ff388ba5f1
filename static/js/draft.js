// Drafts survive a lost connection or an expired session: what is typed is also kept on this
// phone (localStorage, by field name) and put back when the form opens again with older content.
// The server's autosave (htmx) answers into #autosave-status; when it fails, the status says why.
(function () {
  var form = document.getElementById("activity-form");
  if (!form || !window.localStorage) return;
  var key = "portal-draft:" + form.getAttribute("data-draft-key");
  var skip = { csrf_token: true, proof: true, action: true };
  var status = document.getElementById("autosave-status");

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !skip[el.name] && el.type !== "file" && el.type !== "submit";
    });
  }
  // { name: [values in page order] }; a radio group keeps the chosen value
  function snapshot() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "radio") {
        if (!(el.name in values)) values[el.name] = [""];
        if (el.checked) values[el.name] = [el.value];
        return;
      }
      (values[el.name] = values[el.name] || []).push(el.value);
    });
    Object.keys(values).forEach(function (name) {  // empty logbook lines at the end say nothing
      var list = values[name];
      while (list.length > 1 && list[list.length - 1] === "") list.pop();
    });
    return values;
  }
  // The copy remembers which saved version of the draft it was typed on: it is put back only on
  // that same version (nothing newer reached the server since), so no clocks are compared.
  function store() {
    try {
      localStorage.setItem(key, JSON.stringify({ version: form.getAttribute("data-version"), values: snapshot() }));
    } catch (e) { /* storage full or blocked: the server copy still counts */ }
  }
  // Enough logbook lines for what was kept: copy the last line (new ids, empty values).
  function ensureRows(count) {
    var body = form.querySelector(".logbook tbody");
    if (!body) return;
    while (body.rows.length < count) {
      var last = body.rows[body.rows.length - 1];
      var row = last.cloneNode(true);
      var n = body.rows.length;
      Array.prototype.forEach.call(row.querySelectorAll("input, label"), function (el) {
        if (el.id) el.id = el.id.replace(/-\d+$/, "-" + n);
        if (el.htmlFor) el.htmlFor = el.htmlFor.replace(/-\d+$/, "-" + n);
        if (el.tagName === "INPUT") { el.value = ""; el.removeAttribute("aria-invalid"); el.removeAttribute("aria-describedby"); }
      });
      Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (p) { p.remove(); });
      row.classList.remove("field-invalid");
      body.appendChild(row);
    }
  }
  function restore(values) {
    ensureRows(Math.max((values.log_on || []).length, (values.log_hours || []).length));
    var seen = {};
    fields().forEach(function (el) {
      var list = values[el.name];
      if (!list) return;
      if (el.type === "radio") { el.checked = list[0] === el.value; return; }
      var i = seen[el.name] = (seen[el.name] || 0);
      seen[el.name] = i + 1;
      if (i < list.length) el.value = list[i];
    });
  }

  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  if (saved && saved.values && !Array.isArray(saved.values) &&
      saved.version === form.getAttribute("data-version") &&
      JSON.stringify(saved.values) !== JSON.stringify(snapshot())) {
    restore(saved.values);
    var notice = document.getElementById("restored");
    if (notice) { notice.hidden = false; notice.setAttribute("role", "status"); }
  } else if (saved) {
    localStorage.removeItem(key);
  }

  form.addEventListener("input", store);
  form.addEventListener("change", store);
  form.addEventListener("htmx:sendError", function () {
    if (status) status.textContent = form.getAttribute("data-msg-offline");
  });
  form.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var code = xhr ? xhr.status : 0;
    if (!status) return;
    if (code === 422) {  // part was saved: the copy now belongs to that version
      var version = xhr.getResponseHeader("X-Draft-Version");
      if (version) { form.setAttribute("data-version", version); store(); }
    }
    if (code === 409 || code === 422) status.textContent = xhr.responseText;  // the server's words
    else status.textContent = form.getAttribute(code === 403 || code === 401 ? "data-msg-signed-out" : "data-msg-offline");
  });
  var sent = null;
  form.addEventListener("htmx:beforeRequest", function () { sent = JSON.stringify(snapshot()); });
  form.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!(event.detail && event.detail.successful && xhr)) return;
    var version = xhr.getResponseHeader("X-Draft-Version");
    if (version) form.setAttribute("data-version", version);
    // the server has it all: forget the phone's copy, unless more was typed meanwhile
    if (sent === JSON.stringify(snapshot())) localStorage.removeItem(key);
    else store();
  });
  form.addEventListener("submit", function () { store(); });
})();
