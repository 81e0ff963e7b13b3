package appliance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"faxbox/firmware/billing"
)

// applyTariffFile makes the tariff in billing.tariff_file the one in force
// from now on, unless the tariff in force already has the same rates: a
// restart with an unchanged file adds no version. Calls dialled before
// keep the version they were dialled under.
func applyTariffFile(ctx context.Context, led *billing.Ledger, path string, log *slog.Logger) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("billing.tariff_file: %w", err)
	}
	t, err := billing.ReadTableCSV(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("billing.tariff_file %s: %w", path, err)
	}
	var want bytes.Buffer
	if err := t.WriteCSV(&want, ""); err != nil {
		return err
	}
	now := time.Now()
	_, cur, err := led.TariffAt(ctx, now)
	switch {
	case errors.Is(err, billing.ErrNoTariff):
	case err != nil:
		return fmt.Errorf("billing.tariff_file: the tariff in force: %w", err)
	default:
		var have bytes.Buffer
		if err := cur.WriteCSV(&have, ""); err != nil {
			return err
		}
		if bytes.Equal(have.Bytes(), want.Bytes()) {
			return nil
		}
	}
	note := fmt.Sprintf("from %s (sha256 %x)", path, sha256.Sum256(data))
	id, err := led.SetTariff(ctx, t, now, "config:billing.tariff_file", note)
	if err != nil {
		return fmt.Errorf("billing.tariff_file %s: %w", path, err)
	}
	log.Info("tariff file applied", "file", path, "version", id, "rates", len(t.Rates()))
	return nil
}
