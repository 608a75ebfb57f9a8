/** The helper lives in core (pure), so serving and every backend can use it. */
export { hasCode } from '../../core/error-codes.js';
