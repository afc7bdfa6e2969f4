// MediaCore: the sans-IO media layer (see DESIGN.md, "Media").
//
// Everything here takes bytes, samples and the caller's current time as parameters and returns
// bytes, samples and events; nothing opens a socket, a file or reads a clock. The steady media
// path (RTP parse -> jitter buffer -> G.711 decode -> PCM frame, and back) writes into buffers
// the caller preallocated, so a call costs no heap allocation per 20 ms frame.
//
// Units used throughout: 8 kHz narrowband, 20 ms frames = 160 samples = 320 bytes of s16le PCM
// = 160 bytes of G.711. SIMCom's 16 kHz mode (AT+CPCMFRM=1, 640-byte frames) goes through
// `Resampler` first.
