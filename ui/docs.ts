/** /docs: starts the locally served API reference bundle (/ui/scalar.js) on /openapi.json, with no web fonts. */
declare const Scalar: { createApiReference: (el: string, config: Record<string, unknown>) => unknown };

Scalar.createApiReference("#app", { url: "/openapi.json", withDefaultFonts: false, hideClientButton: true, telemetry: false });
export {};
