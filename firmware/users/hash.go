package users

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// HashParams are the argon2id parameters of new password hashes (RFC 9106
// section 3.1: memory in KiB, passes, lanes).
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
}

// The default argon2id parameters suit a small ARM board: 19 MiB, two
// passes, one lane (the OWASP minimum for argon2id). The memory is what
// slows an attacker with GPUs; Store runs at most maxHashing hashes at
// once, so logins never take more than that many times the memory.
const (
	DefaultHashMemory  = 19 * 1024 // KiB
	DefaultHashTime    = 2
	DefaultHashThreads = 1
)

// Bounds on the password lengths accepted and on the parameters of a stored
// hash, so that a damaged or hostile hash cannot take the board's memory.
const (
	MinPassword = 8
	MaxPassword = 1024

	maxHashMemory = 1 << 20 // KiB: 1 GiB
	maxHashTime   = 64
	saltLen       = 16
	keyLen        = 32
)

// hashPassword returns the PHC string of password's argon2id hash with a
// fresh random salt.
func hashPassword(password string, p HashParams) string {
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// verifyPassword reports whether password matches the stored hash (an
// argon2id PHC string or a bcrypt hash), and whether the hash should be
// replaced by one made with params (another algorithm or other
// parameters). A malformed hash is an error, never a match.
func verifyPassword(stored, password string, params HashParams) (ok, rehash bool, err error) {
	switch {
	case strings.HasPrefix(stored, "$argon2id$"):
		p, salt, key, err := parseArgon2id(stored)
		if err != nil {
			return false, false, err
		}
		got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
		return subtle.ConstantTimeCompare(got, key) == 1, p != params, nil
	case strings.HasPrefix(stored, "$2a$"), strings.HasPrefix(stored, "$2b$"), strings.HasPrefix(stored, "$2y$"):
		err := bcrypt.CompareHashAndPassword([]byte(stored), []byte(password))
		switch {
		case err == nil:
			return true, true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, false, nil
		default:
			return false, false, fmt.Errorf("users: bcrypt hash: %w", err)
		}
	default:
		return false, false, errors.New("users: unknown password hash format")
	}
}

// parseArgon2id parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash".
func parseArgon2id(s string) (p HashParams, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("users: malformed argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("users: argon2id hash: unsupported version %q", parts[2])
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 ||
		p.Memory < 8 || p.Memory > maxHashMemory || p.Time < 1 || p.Time > maxHashTime || threads < 1 || threads > 255 ||
		p.Memory < 8*threads {
		return p, nil, nil, fmt.Errorf("users: argon2id hash: bad parameters %q", parts[3])
	}
	p.Threads = uint8(threads)
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("users: argon2id hash: bad salt")
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("users: argon2id hash: bad key")
	}
	return p, salt, key, nil
}
