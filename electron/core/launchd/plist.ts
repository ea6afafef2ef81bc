/** A property list value as launchd reads it. */
export type PlistValue =
  string | number | boolean | readonly PlistValue[] | { readonly [key: string]: PlistValue };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function render(value: PlistValue, indent: string): string[] {
  if (typeof value === 'string') return [`${indent}<string>${escape(value)}</string>`];
  if (typeof value === 'boolean') return [`${indent}<${value ? 'true' : 'false'}/>`];
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`only integers are supported in a plist, got ${value}`);
    return [`${indent}<integer>${value}</integer>`];
  }
  if (Array.isArray(value)) {
    return [
      `${indent}<array>`,
      ...(value as readonly PlistValue[]).flatMap((v) => render(v, `${indent}\t`)),
      `${indent}</array>`,
    ];
  }
  const entries = Object.entries(value as Record<string, PlistValue>);
  return [
    `${indent}<dict>`,
    ...entries.flatMap(([k, v]) => [`${indent}\t<key>${escape(k)}</key>`, ...render(v, `${indent}\t`)]),
    `${indent}</dict>`,
  ];
}

/** An XML property list (the format of `~/Library/LaunchAgents/*.plist`). Pure. */
export function renderPlist(root: { readonly [key: string]: PlistValue }): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    ...render(root, ''),
    '</plist>',
    '',
  ].join('\n');
}
