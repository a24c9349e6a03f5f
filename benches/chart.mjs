// A dependency-free grouped horizontal bar chart as SVG: one group per body
// size, one bar per contender, with a dashed line at 1.0x.

const PALETTE = ['#1f77b4', '#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#2ca02c', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173'];
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

export function barChart({ title, groups, series }) {
  const bar = 11;
  const gap = 14;
  const labelWidth = 360;
  const plotWidth = 520;
  const top = 40;
  const groupHeight = series.length * bar + gap;
  const height = top + groups.length * groupHeight + 30;
  const max = Math.max(1.2, ...series.flatMap((s) => s.values)) * 1.08;
  const x = (v) => labelWidth + (v / max) * plotWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 90}" height="${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="13" font-weight="bold">${escape(title)}</text>`,
  ];
  groups.forEach((group, g) => {
    const y0 = top + g * groupHeight;
    parts.push(`<text x="10" y="${y0 + 9}" font-weight="bold">${escape(group)}</text>`);
    series.forEach((s, i) => {
      const y = y0 + i * bar;
      const value = s.values[g];
      parts.push(`<text x="${labelWidth - 6}" y="${y + 9}" text-anchor="end">${escape(s.name)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y + 1}" width="${Math.max(1, x(value) - labelWidth).toFixed(1)}" height="${bar - 2}" fill="${PALETTE[i % PALETTE.length]}"/>`);
      parts.push(`<text x="${x(value) + 4}" y="${y + 9}">${value.toFixed(2)}x</text>`);
    });
  });
  parts.push(`<line x1="${x(1)}" y1="${top - 6}" x2="${x(1)}" y2="${height - 24}" stroke="#333" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${x(1)}" y="${height - 10}" text-anchor="middle">1.0x</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
