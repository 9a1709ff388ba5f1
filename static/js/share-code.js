// The QR code opens /interpreting#code=K7M-29P-XQ4: the code rides in the URL fragment (never
// sent to a server, never in a log). Fill it into the form, then drop it from the address bar:
// when the page opens, and again when another QR code is scanned while it is open (hashchange).
(function () {
  function fill() {
    var match = /^#code=([A-Za-z0-9-]{1,64})$/.exec(window.location.hash);
    var input = document.getElementById("code");
    if (!match || !input) return;
    input.value = match[1].toUpperCase();
    history.replaceState(null, "", window.location.pathname);
    input.focus();
  }
  fill();
  window.addEventListener("hashchange", fill);
})();
