// Word lists the generated names are drawn from. Plain and short on purpose: the data must look
// like a music catalog in a UI, and stay identical across releases (changing a list changes data).

export const FIRST_NAMES = [
  'Ada', 'Bessie', 'Cab', 'Dinah', 'Ella', 'Fats', 'Gil', 'Hazel', 'Ike', 'June', 'Kay', 'Lena',
  'Mabel', 'Nat', 'Odetta', 'Pearl', 'Quincy', 'Rosa', 'Sonny', 'Tilly', 'Una', 'Vera', 'Wes', 'Zoot',
] as const;

export const LAST_NAMES = [
  'Archer', 'Bellamy', 'Carver', 'Dupree', 'Ellis', 'Fontaine', 'Garland', 'Holloway', 'Ingram',
  'Jarrett', 'Kingsley', 'Lyle', 'Monroe', 'Noble', 'Oakes', 'Pryor', 'Quill', 'Reyes', 'Sutton',
  'Tate', 'Underwood', 'Vance', 'Whitlock', 'Young',
] as const;

export const BAND_NOUNS = [
  'Orchestra', 'Quartet', 'Trio', 'Ensemble', 'Collective', 'Band', 'Sextet', 'Revue',
] as const;

export const ADJECTIVES = [
  'Blue', 'Midnight', 'Golden', 'Quiet', 'Electric', 'Velvet', 'Silver', 'Lonely', 'Bright',
  'Hidden', 'Restless', 'Wild', 'Gentle', 'Crimson', 'Distant', 'Summer',
] as const;

export const NOUNS = [
  'River', 'Avenue', 'Harbor', 'Garden', 'Window', 'Shadow', 'Morning', 'Highway', 'Letter',
  'Mountain', 'Station', 'Lantern', 'Ocean', 'Promise', 'Echo', 'Horizon',
] as const;

export const GENRES = [
  'Jazz', 'Blues', 'Soul', 'Folk', 'Rock', 'Pop', 'Electronic', 'Classical', 'Hip Hop', 'Country',
] as const;

export const MOODS = ['Calm', 'Happy', 'Melancholic', 'Energetic', 'Romantic', 'Dark'] as const;
