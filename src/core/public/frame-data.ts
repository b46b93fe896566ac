export { toFrameData } from '../frame-data.js';
