// Command ferretdb runs FerretDB v1 (SQLite backend) for local development and tests.
//
// It embeds the public github.com/FerretDB/FerretDB/ferretdb package instead of
// building cmd/ferretdb: `go install …/cmd/ferretdb` panics at startup because
// build/version/version.txt is not committed (FerretDB issue #2982), while the
// version check is skipped when FerretDB is not the main module.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP listen address (host:port)")
	dir := flag.String("dir", "data/ferretdb", "SQLite data directory (created if missing)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn, error")
	flag.Parse()

	if err := run(*listen, *dir, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(listen, dir, logLevel string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return err
	}

	// Logs go to stderr so stdout carries only the "ready" line.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	// The SQLite backend requires an existing directory and a URI path ending with "/".
	if err = os.MkdirAll(abs, 0o700); err != nil {
		return err
	}
	sqliteURL := (&url.URL{Scheme: "file", Path: abs + "/"}).String()

	// Stop on SIGINT/SIGTERM; Run then closes the listener, connections and the backend.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// New already binds the listener, so the address is known (and connectable) after it returns.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return err
	}

	fmt.Println("ready", f.MongoDBURI())

	return f.Run(ctx)
}
