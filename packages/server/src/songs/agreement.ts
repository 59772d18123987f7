import { toLocalDateTime } from '@music-apis/domain';
import type { SongRecord } from './model.js';

/**
 * The stream-token agreement document the server generates when an owner accepts it: a one-page
 * PDF naming the song, its owner and the moment of acceptance. Written by hand (PDF 1.4, one font,
 * text only) so no PDF library is needed for a document this small.
 */
export function renderAgreementPdf(input: { song: SongRecord; acceptedAt: number }): Uint8Array {
  const { song, acceptedAt } = input;
  const lines = [
    'NEWM Stream Token Agreement',
    '',
    `Song: ${song.title}`,
    `Song id: ${song.id}`,
    `Owner id: ${song.ownerId}`,
    `Accepted at: ${toLocalDateTime(acceptedAt)} (UTC)`,
    '',
    "The owner agrees that stream tokens representing a share of this song's streaming",
    "royalties may be minted and distributed as described by the platform's terms.",
  ];
  // PDF strings escape \, ( and ); non-Latin-1 characters are replaced (the standard font has none).
  const pdfString = (text: string) =>
    text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?').replace(/[\\()]/g, (char) => `\\${char}`);
  const content = [
    'BT /F1 12 Tf 72 760 Td 16 TL',
    ...lines.map((line) => `(${pdfString(line)}) Tj T*`),
    'ET',
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(pdf, 'latin1'));
}
