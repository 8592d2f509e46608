// The rich-text editor of the article dialogs: django-prose-editor's Tiptap build (from
// its package's static files, no import map: the strict policy allows no inline script).
// Progressive enhancement: each textarea[data-rich-text] becomes an editor and its form's
// content_type says text/html; without script the textarea sends plain text. The server
// cleans whatever arrives. Pasted or dropped images travel as data: URLs and become
// inline attachments there; templates and FAQ texts are inserted at the cursor.
import {
  Blockquote, Bold, BulletList, Code, CodeBlock, Document, Dropcursor, Editor, Extension,
  Gapcursor, HardBreak, Heading, History, HorizontalRule, Image, Italic, Link, ListItem, Menu,
  OrderedList, Paragraph, Plugin, Strike, Table, TableCell, TableHeader, TableRow, Text,
  Underline,
} from "../django_prose_editor/editor.js";

const HTML = "text/html";
const editors = new WeakMap();

function escapeText(text) {
  const div = document.createElement("div");
  div.textContent = text;
  return div.innerHTML;
}

// Plain text (a template, an FAQ answer, text typed before) as paragraphs.
export function textToHtml(text) {
  return text.replace(/\r\n/g, "\n").split(/\n\s*\n/).filter((b) => b.trim()).map(
    (block) => "<p>" + block.split("\n").map(escapeText).join("<br>") + "</p>",
  ).join("");
}

function looksLikeHtml(text) {
  return /^\s*<[a-z][a-z0-9]*(\s[^>]*)?\/?>/i.test(text);
}

function showError(textarea, message) {
  const wrapper = textarea.closest(".prose-editor");
  let box = wrapper.nextElementSibling;
  if (!box || !box.classList.contains("rich-text-error")) {
    box = document.createElement("p");
    box.className = "error rich-text-error";
    box.setAttribute("role", "alert");
    wrapper.after(box);
  }
  box.textContent = message;
  box.hidden = !message;
}

// Images from the clipboard or a drop: inserted as data: URLs, refused above the limit.
function imageFiles(list) {
  return Array.from(list || []).filter((file) => /^image\/(png|jpeg|gif|webp)$/.test(file.type));
}

function pastedImages(textarea) {
  const limit = Number(textarea.dataset.maxImageSize || 0);
  function insert(view, files, pos) {
    showError(textarea, "");
    for (const file of files) {
      if (limit && file.size > limit) {
        showError(textarea, textarea.dataset.imageTooLarge || "");
        continue;
      }
      const reader = new FileReader();
      reader.addEventListener("load", () => {
        const node = view.state.schema.nodes.image.create({ src: reader.result, alt: file.name });
        const at = pos === null ? view.state.selection.from : pos;
        view.dispatch(view.state.tr.insert(at, node));
      });
      reader.readAsDataURL(file);
    }
    return true;
  }
  return Extension.create({
    name: "pastedImages",
    addProseMirrorPlugins() {
      return [new Plugin({
        props: {
          handlePaste(view, event) {
            const files = imageFiles(event.clipboardData && event.clipboardData.files);
            return files.length ? insert(view, files, null) : false;
          },
          handleDrop(view, event) {
            const files = imageFiles(event.dataTransfer && event.dataTransfer.files);
            if (!files.length) { return false; }
            event.preventDefault();
            const found = view.posAtCoords({ left: event.clientX, top: event.clientY });
            return insert(view, files, found ? found.pos : null);
          },
        },
      })];
    },
  });
}

function create(textarea) {
  if (editors.has(textarea)) { return editors.get(textarea); }
  const form = textarea.form;
  // data-rich-text="html": the field is always HTML (FAQ articles); else the form's
  // content_type says what the textarea holds and then that it holds HTML.
  const always = textarea.dataset.richText === "html";
  const contentType = form && form.querySelector("[data-content-type]");
  if (!form || (!contentType && !always)) { return null; }
  const label = form.querySelector(`label[for="${textarea.id}"]`);
  if (label && !label.id) { label.id = `${textarea.id}-label`; }
  let content = textarea.value;
  if (!always && contentType.value !== HTML && content.trim()) { content = textToHtml(content); }
  const wrapper = document.createElement("div");
  wrapper.className = "prose-editor";
  textarea.before(wrapper);
  wrapper.append(textarea);
  const editor = new Editor({
    element: wrapper,
    injectCSS: false, // the policy refuses inline styles: editor.css has them
    content,
    editorProps: {
      attributes: {
        role: "textbox",
        "aria-multiline": "true",
        ...(label ? { "aria-labelledby": label.id } : {}),
      },
    },
    extensions: [
      Document, Paragraph, Text, HardBreak, History, Dropcursor, Gapcursor, Menu,
      Bold, Italic, Underline, Strike, Code, CodeBlock, Blockquote,
      BulletList, OrderedList, ListItem, Heading.configure({ levels: [2, 3] }),
      HorizontalRule, Link.configure({ openOnClick: false }),
      Table, TableRow, TableHeader, TableCell,
      Image.configure({ inline: true, allowBase64: !always }),
      ...(textarea.dataset.maxImageSize ? [pastedImages(textarea)] : []),
    ],
    onUpdate({ editor: current }) {
      textarea.value = current.isEmpty ? "" : current.getHTML();
    },
  });
  textarea.value = editor.isEmpty ? "" : editor.getHTML();
  // The menu's buttons in the agent's language (editor-labels.js), also those the menu
  // bar adds after the editor is made.
  const translate = () => {
    wrapper.querySelectorAll(".prose-menubar button[title]:not([data-label-done])").forEach((button) => {
      const translated = window.gettext ? window.gettext(button.title) : button.title;
      button.title = translated;
      button.setAttribute("aria-label", translated);
      button.dataset.labelDone = "1";
    });
  };
  translate();
  new MutationObserver(translate).observe(wrapper, { childList: true, subtree: true });
  if (contentType) { contentType.value = HTML; }
  textarea.dataset.richTextReady = "1";
  editors.set(textarea, editor);
  return editor;
}

// Text to insert at the cursor (plain text is escaped into paragraphs).
function insertAtCursor(textarea, text) {
  const editor = editors.get(textarea);
  if (!editor || !text) { return; }
  editor.chain().focus().insertContent(looksLikeHtml(text) ? text : textToHtml(text)).run();
}

// A template chosen in the dialog: the server fills its placeholders (the same request a
// page without script makes); its text goes in at the cursor, the rest of the dialog stays.
async function insertTemplate(select) {
  const form = select.form;
  const dialog = document.getElementById("dialog");
  const textarea = dialog && dialog.querySelector("textarea[data-rich-text-ready]");
  if (!textarea || !select.value) { return; }
  const query = new URLSearchParams(new FormData(form));
  const response = await fetch(`${form.action}?${query}`, { headers: { Accept: "text/html" } });
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const error = page.querySelector(".template-choice .error");
  const shown = form.querySelector(".error");
  if (shown) { shown.remove(); }
  if (error) { form.append(document.adoptNode(error)); return; }
  const filled = page.querySelector("textarea[data-rich-text]");
  insertAtCursor(textarea, filled ? filled.value : "");
  const subject = page.querySelector("#id_subject");
  const ownSubject = document.getElementById("id_subject");
  if (subject && ownSubject && !ownSubject.value) { ownSubject.value = subject.value; }
  const uploads = page.querySelector("[data-attachments] ul.uploads");
  const box = document.querySelector("[data-attachments]");
  if (uploads && box) {
    const old = box.querySelector("ul.uploads");
    if (old) { old.replaceWith(document.adoptNode(uploads)); } else {
      box.querySelector("label").after(document.adoptNode(uploads));
    }
  }
}

document.addEventListener("change", (event) => {
  const select = event.target.closest && event.target.closest("#id_template_choice");
  if (!select || !document.querySelector("textarea[data-rich-text-ready]")) { return; }
  event.stopPropagation(); // no swap of the whole dialog: the text typed so far stays
  insertTemplate(select);
}, true);

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.classList || !form.classList.contains("template-choice")) { return; }
  if (!document.querySelector("textarea[data-rich-text-ready]")) { return; }
  event.preventDefault();
  insertTemplate(form.querySelector("#id_template_choice"));
}, true);

// The FAQ picker hands its text over instead of writing into the hidden textarea.
document.addEventListener("sportello:insert-text", (event) => {
  insertAtCursor(event.target, event.detail.text);
});

function setup(root) {
  root.querySelectorAll("textarea[data-rich-text]").forEach(create);
}

// The menu's icons are ligatures of this font: fetched now, before the page's load event,
// so the buttons never show (nor are read as) their ligature names while it arrives.
if (document.querySelector("textarea[data-rich-text]") && document.fonts) {
  document.fonts.load('24px "Material Icons"');
}

setup(document);
document.addEventListener("htmx:load", (event) => setup(event.target));
