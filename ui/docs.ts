/** /docs: starts the locally served API reference bundle (/ui/scalar.js) on the page's OpenAPI URL, with no web fonts. */
declare const Scalar: { createApiReference: (el: string, config: Record<string, unknown>) => unknown };

const url = document.getElementById("app")?.dataset.openapiUrl ?? "/openapi.json";
// No web fonts, and none of the hosted (Scalar cloud) features: this page works offline.
Scalar.createApiReference("#app", { url, withDefaultFonts: false, hideClientButton: true, telemetry: false, showDeveloperTools: "never", agent: { disabled: true } });

export {};
