// The rows of issue 12's table, in its order.
import { row as sas } from './sas.mjs';

export const ROWS = [sas];
