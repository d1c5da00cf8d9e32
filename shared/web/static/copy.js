// "Copy" buttons: <button data-copy="ID" hidden> copies the value of the field with that id, and a
// <p data-copy-status="ID" role="status"> says it worked. Buttons stay hidden where this script does not
// run, so nobody sees a button that does nothing. A static file, so pages keep a strict CSP. The status
// element's data-copied and data-copy-failed give the page's own words (its language); else English.
(function () {
  "use strict";
  function fallbackCopy(field) {
    field.focus();
    field.select();
    return document.execCommand && document.execCommand("copy");
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (!field) {
      return;
    }
    function done(ok) {
      if (status) {
        status.textContent = ok
          ? status.getAttribute("data-copied") || "Copied. You can paste it into a message."
          : status.getAttribute("data-copy-failed") || "Select the link and copy it from there.";
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(function () { done(true); },
          function () { done(fallbackCopy(field)); });
      } else {
        done(fallbackCopy(field));
      }
    });
  });
})();
