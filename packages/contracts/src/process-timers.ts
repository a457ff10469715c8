// What a timer of a process model may wait for, checked alike by the designer (before an edit is taken)
// and by the server (before a model is saved).

/** An ISO 8601 duration with at least one part, as the engine's timers read it: P3D, P2W, PT12H, P1DT6H. */
export const ISO_DURATION = /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
