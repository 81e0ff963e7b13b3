// Package sound plays the appliance's audible alerts: a fax delivered, a
// fax failed, a fax received, credit low.
//
// The alerts are short MP3 files, built in (embedded, made by
// scripts/sounds.sh) or replaced one by one by files of the same name in
// an installer's directory. [Decode] turns an MP3 file into 16-bit stereo
// PCM with go-mp3, within size and length bounds; a [Player] scales it to
// the configured volume and writes it to an [Output], normally ALSA's
// aplay reading raw PCM on its standard input ([Aplay]), so no cgo is
// needed. Nothing is played during quiet hours or at volume 0, and a
// board without audio gets a silent player that says so once in the log.
//
// The package does not decide when to play what (the firmware does), mix
// sounds (alerts play one after the other) or drive ALSA's mixer.
package sound
