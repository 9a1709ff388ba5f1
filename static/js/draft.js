// Drafts survive a lost connection or an expired session: what is typed is also kept on this
// phone (localStorage) and put back when the form opens again with older content. The server's
// autosave (htmx) answers into #autosave-status; when it fails, the status says why.
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
  function snapshot() {
    return fields().map(function (el) {
      return (el.type === "radio" || el.type === "checkbox") ? (el.checked ? "1" : "") : el.value;
    });
  }
  function store() {
    try {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), values: snapshot() }));
    } catch (e) { /* storage full or blocked: the server copy still counts */ }
  }

  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  var serverTime = Date.parse(form.getAttribute("data-updated") + "Z") || Date.parse(form.getAttribute("data-updated")) || 0;
  if (saved && saved.values && saved.at > serverTime && JSON.stringify(saved.values) !== JSON.stringify(snapshot())) {
    var els = fields();
    if (saved.values.length === els.length) {
      els.forEach(function (el, i) {
        if (el.type === "radio" || el.type === "checkbox") { el.checked = saved.values[i] === "1"; }
        else { el.value = saved.values[i]; }
      });
      var notice = document.getElementById("restored");
      if (notice) { notice.hidden = false; notice.setAttribute("role", "status"); }
    }
  } else if (saved) {
    localStorage.removeItem(key);
  }

  form.addEventListener("input", store);
  form.addEventListener("change", store);
  form.addEventListener("htmx:sendError", function () {
    if (status) status.textContent = form.getAttribute("data-msg-offline");
  });
  form.addEventListener("htmx:responseError", function (event) {
    var code = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    if (status) status.textContent = form.getAttribute(code === 403 || code === 401 ? "data-msg-signed-out" : "data-msg-offline");
  });
  form.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful) localStorage.removeItem(key);
  });
  form.addEventListener("submit", function () { store(); });
})();
