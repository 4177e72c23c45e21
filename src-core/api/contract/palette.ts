export { SERIES_COLOURS } from '../../domain/palette.ts';
