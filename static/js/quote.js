/* Quote: progressive enhancement of each post's Quote item.
   Without JavaScript the item is a link that opens the reply form holding the whole post,
   quoted. Here it quotes, into the reply being written, the text selected in that post (or
   the whole post when nothing of it is selected), with a link back to it, without a reload. */
(function () {
  "use strict";

  var lastSelection = {postId: null, text: ""};

  // Opening the tools menu may clear the selection, so remember the last one made in a post.
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    var text = selection ? selection.toString().trim() : "";
    if (!text) return;
    var node = selection.anchorNode;
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var post = element && element.closest("article.post[data-post-id] .post-body");
    if (!post) return;
    lastSelection = {postId: post.closest("article.post").getAttribute("data-post-id"), text: text};
  });

  function quoteMarkdown(author, url, text) {
    var lines = text.replace(/\s+$/, "").split(/\r?\n/).map(function (line) {
      return ("> " + line).replace(/\s+$/, "");
    });
    return "[" + author + " wrote](" + url + "):\n\n" + lines.join("\n") + "\n\n";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-quote]");
    if (!link) return;
    var textarea = document.querySelector("#respond form textarea[name=body]");
    if (!textarea) return;  // no reply form on this page: follow the link
    event.preventDefault();
    var postId = link.getAttribute("data-quote");
    var text = lastSelection.postId === postId ? lastSelection.text : "";
    if (!text) {
      var body = document.querySelector("article.post[data-post-id='" + postId + "'] .post-body");
      text = body ? body.innerText.trim() : "";
    }
    var quote = quoteMarkdown(link.getAttribute("data-quote-author"),
                              link.getAttribute("data-quote-url"), text);
    var before = textarea.value;
    textarea.value = before + (before && !/\n\n$/.test(before) ? "\n\n" : "") + quote;
    textarea.dispatchEvent(new Event("input", {bubbles: true}));  // the draft keeps it
    var menu = link.closest("details");
    if (menu) menu.open = false;
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    textarea.scrollIntoView({block: "center"});
    lastSelection = {postId: null, text: ""};
  });
})();
