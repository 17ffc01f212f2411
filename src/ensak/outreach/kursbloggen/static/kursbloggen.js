// Kursbloggen works without this file. With it, a page tells its reader when something new has arrived:
// it asks api/unread now and then and, when the count has grown since the page was shown, says so in a
// polite live region with a link that reloads the page. Nothing is ever inserted from the server's text.
(function () {
  "use strict";
  var notice = document.getElementById("nytt-meddelande");
  var token = document.querySelector("input[name=_xsrf]");
  if (!notice || !token || !window.fetch) { return; }
  var shownAt = null;
  function say(count) {
    notice.textContent = "";
    var text = document.createElement("p");
    text.textContent = count === 1 ? "Det har kommit något nytt sedan du öppnade sidan. "
                                   : "Det har kommit " + count + " nya inlägg eller svar sedan du öppnade sidan. ";
    var link = document.createElement("a");
    link.href = window.location.pathname + window.location.search;
    link.textContent = "Visa det nya";
    text.appendChild(link);
    notice.appendChild(text);
  }
  function check() {
    fetch(notice.getAttribute("data-url"), {credentials: "same-origin",
      headers: {"Accept": "application/json", "X-XSRFToken": token.value}})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (counts) {
        if (!counts) { return; }
        if (shownAt === null) { shownAt = counts.total; return; }
        if (counts.total > shownAt) { say(counts.total - shownAt); }
      })
      .catch(function () { /* the next check tries again */ });
  }
  check();
  window.setInterval(check, Number(notice.getAttribute("data-interval")) || 20000);
})();
