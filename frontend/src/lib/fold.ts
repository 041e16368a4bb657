// Search that ignores Vietnamese diacritics and case: "truong hoa binh" finds "Trường THCS Hòa Bình".

export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** Every word of the query appears in the text, both folded. */
export function matches(text: string, query: string): boolean {
  const haystack = fold(text);
  return fold(query)
    .split(" ")
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}
