// Moving the focus for the person only when what had it is gone (a form replaced by what it saved), never
// away from something they chose.

/** Whether the focus was lost (what had it is gone), so moving it takes it from nothing the person chose. */
export const focusLost = () => !document.activeElement || document.activeElement === document.body;
