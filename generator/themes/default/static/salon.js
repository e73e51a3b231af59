// Salon: optional enhancements. Every page works without this script.
(function () {
  "use strict";
  var form = document.querySelector(".comment-form");
  if (!form) return;
  var respond = document.getElementById("respond");
  var title = document.getElementById("respond-title");
  var status = form.querySelector(".form-status");
  var parentField = form.querySelector("[name=parent]");
  var home = respond.parentNode;
  var homeNext = respond.nextSibling;

  // A fresh signed token, so the service can tell a person from a script.
  function fetchToken() {
    var url = form.getAttribute("data-token-url");
    var post = form.querySelector("[name=post]").value;
    fetch(url + "?post=" + encodeURIComponent(post), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.token) form.querySelector("[name=token]").value = data.token; })
      .catch(function () {});
  }
  fetchToken();

  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "cancel-reply";
  cancel.textContent = "Cancel reply";
  cancel.hidden = true;
  form.querySelector(".form-actions").appendChild(cancel);

  function replyTo(id, name, link) {
    parentField.value = id;
    title.textContent = "Reply to " + name;
    link.closest("article").after(respond);
    cancel.hidden = false;
    form.querySelector("textarea").focus();
  }
  cancel.addEventListener("click", function () {
    parentField.value = "";
    title.textContent = "Leave a comment";
    home.insertBefore(respond, homeNext);
    cancel.hidden = true;
  });
  document.querySelectorAll(".reply-link").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      replyTo(link.getAttribute("data-reply-to"), link.getAttribute("data-reply-name"), link);
    });
  });

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    var data = {};
    new FormData(form).forEach(function (value, key) { data[key] = value; });
    status.textContent = "Sending…";
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(data)
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        status.textContent = "Thank you — your comment is awaiting moderation.";
        form.querySelector("textarea").value = "";
        fetchToken();
      } else if (result.body && result.body.errors) {
        var messages = [];
        for (var field in result.body.errors) messages.push(result.body.errors[field]);
        status.textContent = "Not sent yet: " + messages.join(" ");
      } else {
        status.textContent = "Not sent yet: " + ((result.body && result.body.error) || "please try again.");
      }
    }).catch(function () {
      // The service is unreachable from script: fall back to a plain form post.
      form.submit();
    });
  });
})();
