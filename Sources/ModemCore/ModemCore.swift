// ModemCore: the sans-IO modem layer (see DESIGN.md).
//
// Bytes from the AT port go in (`ATFramer` -> `ATChannel` -> decoders -> `ModemStateMachine`),
// bytes to write, timers to arm and events come out. Nothing here opens a file, a socket or
// reads a clock: time is always a `ModemInstant` passed in by the caller.
