// The accessibility audit that tests/browser/accessibility.py runs inside each page.
() => {
  const problems = [];
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== "hidden" && style.display !== "none" && box.width > 0 && box.height > 0;
  };
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const name = el.getAttribute("name") ? "[name=" + el.getAttribute("name") + "]" : "";
    return el.tagName.toLowerCase() + id + name;
  };
  const named = (el) => (el.getAttribute("aria-label") || "").trim() ||
    el.getAttribute("aria-labelledby") || (el.textContent || "").trim() ||
    Array.from(el.querySelectorAll("img[alt]")).some((img) => img.alt.trim()) ||
    (el.getAttribute("title") || "").trim();

  for (const el of document.querySelectorAll("input, select, textarea")) {
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (["hidden", "submit", "button", "reset"].includes(type) || !visible(el)) continue;
    if (el.labels.length === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) {
      problems.push("control without a label: " + describe(el));
    }
  }
  for (const el of document.querySelectorAll("button, a[href], input[type=submit]")) {
    // aria-hidden marks a duplicate of a visible action (a default button for the Enter key).
    if (!visible(el) || el.closest("[aria-hidden=true]")) continue;
    if (el.tagName === "INPUT" ? !(el.value || "").trim() : !named(el)) {
      problems.push("action without a name: " + describe(el));
    }
    if (el.tabIndex < 0) problems.push("action not reachable by keyboard: " + describe(el));
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("image without alt text: " + (img.getAttribute("src") || "").slice(0, 60));
  }

  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const parse = (text) => { const m = text.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number); };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const rgba = parse(getComputedStyle(node).backgroundColor);
      if (rgba.length < 4 || rgba[3] > 0.9) return rgba;
    }
    return [255, 255, 255];
  };
  const seen = new Set();
  for (const el of document.querySelectorAll("body *")) {
    const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !visible(el) || ["SCRIPT", "STYLE", "OPTION"].includes(el.tagName)) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    const bg = background(el);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight, 10) >= 700);
    const needed = large ? 3 : 4.5;
    const key = style.color + "/" + bg.join(",");
    if (ratio < needed && !seen.has(key)) {
      seen.add(key);
      problems.push("contrast " + ratio.toFixed(2) + " below " + needed + ": " + describe(el) +
        " '" + el.textContent.trim().slice(0, 40) + "'");
    }
  }
  return problems;
}
