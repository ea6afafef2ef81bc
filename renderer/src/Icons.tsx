/** Small line icons (16 px, currentColor), decorative: the buttons carry the labels. */
const props = { width: 16, height: 16, viewBox: '0 0 16 16', 'aria-hidden': true, focusable: false } as const;

export function GearIcon() {
  return (
    <svg {...props}>
      <path
        fill="currentColor"
        fillRule="evenodd"
        d="M13.25 6.74 L14.93 7.01 L14.93 8.99 L13.25 9.26 L12.6 10.82 L13.6 12.2 L12.2 13.6 L10.82 12.6 L9.26 13.25 L8.99 14.93 L7.01 14.93 L6.74 13.25 L5.18 12.6 L3.8 13.6 L2.4 12.2 L3.4 10.82 L2.75 9.26 L1.07 8.99 L1.07 7.01 L2.75 6.74 L3.4 5.18 L2.4 3.8 L3.8 2.4 L5.18 3.4 L6.74 2.75 L7.01 1.07 L8.99 1.07 L9.26 2.75 L10.82 3.4 L12.2 2.4 L13.6 3.8 L12.6 5.18 Z M10.3 8 A2.3 2.3 0 1 0 5.7 8 A2.3 2.3 0 1 0 10.3 8 Z"
      />
    </svg>
  );
}

export function MoreIcon() {
  return (
    <svg {...props}>
      <circle cx="3.5" cy="8" r="1.3" fill="currentColor" />
      <circle cx="8" cy="8" r="1.3" fill="currentColor" />
      <circle cx="12.5" cy="8" r="1.3" fill="currentColor" />
    </svg>
  );
}

export function CopyIcon() {
  return (
    <svg {...props}>
      <rect
        x="5.5"
        y="5.5"
        width="8"
        height="8"
        rx="1.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.2"
      />
      <path
        d="M10.5 3.5v-.5A1.5 1.5 0 0 0 9 1.5H4A1.5 1.5 0 0 0 2.5 3v5A1.5 1.5 0 0 0 4 9.5h.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.2"
      />
    </svg>
  );
}

export function UpIcon() {
  return (
    <svg {...props}>
      <path
        d="M4 10l4-4 4 4"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

export function DownIcon() {
  return (
    <svg {...props}>
      <path
        d="M4 6l4 4 4-4"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
