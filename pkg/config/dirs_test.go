package config

import (
	"path/filepath"
	"testing"
)

func envOf(kv map[string]string) Getenv { return func(k string) string { return kv[k] } }

// TestDirsOnEachOS: the folders nimbusctl uses by default on Windows, macOS and Linux, and
// the variables that move them (tested on any OS: the paths are built, not created).
func TestDirsOnEachOS(t *testing.T) {
	win := envOf(map[string]string{`AppData`: `C:\Users\ada\AppData\Roaming`, `LocalAppData`: `C:\Users\ada\AppData\Local`})
	cases := []struct {
		name       string
		goos, home string
		env        Getenv
		want       Dirs
	}{
		{"windows: config roams, cache and ledgers stay local", "windows", `C:\Users\ada`, win, Dirs{
			Config: filepath.Join(`C:\Users\ada\AppData\Roaming`, "nimbusctl"),
			Cache:  filepath.Join(`C:\Users\ada\AppData\Local`, "nimbusctl"),
			State:  filepath.Join(`C:\Users\ada\AppData\Local`, "nimbusctl"),
		}},
		{"windows without the variables", "windows", `C:\Users\ada`, envOf(nil), Dirs{
			Config: filepath.Join(`C:\Users\ada`, "AppData", "Roaming", "nimbusctl"),
			Cache:  filepath.Join(`C:\Users\ada`, "AppData", "Local", "nimbusctl"),
			State:  filepath.Join(`C:\Users\ada`, "AppData", "Local", "nimbusctl"),
		}},
		{"windows: NIMBUSCTL_*_DIR win", "windows", `C:\Users\ada`, envOf(map[string]string{
			`AppData`: `C:\Users\ada\AppData\Roaming`, "NIMBUSCTL_CONFIG_DIR": `D:\nimbus\config`, "NIMBUSCTL_CACHE_DIR": `D:\nimbus\cache`,
		}), Dirs{
			Config: `D:\nimbus\config`,
			Cache:  `D:\nimbus\cache`,
			State:  filepath.Join(`C:\Users\ada`, "AppData", "Local", "nimbusctl"),
		}},
		{"macOS", "darwin", "/Users/ada", envOf(nil), Dirs{
			Config: "/Users/ada/Library/Application Support/nimbusctl",
			Cache:  "/Users/ada/Library/Caches/nimbusctl",
			State:  "/Users/ada/.local/state/nimbusctl",
		}},
		{"linux", "linux", "/home/ada", envOf(nil), Dirs{
			Config: "/home/ada/.config/nimbusctl",
			Cache:  "/home/ada/.cache/nimbusctl",
			State:  "/home/ada/.local/state/nimbusctl",
		}},
		{"linux with XDG", "linux", "/home/ada", envOf(map[string]string{"XDG_CONFIG_HOME": "/xdg/c", "XDG_CACHE_HOME": "/xdg/k", "XDG_STATE_HOME": "/xdg/s"}), Dirs{
			Config: "/xdg/c/nimbusctl",
			Cache:  "/xdg/k/nimbusctl",
			State:  "/xdg/s/nimbusctl",
		}},
	}
	for _, c := range cases {
		if got := dirsFor(c.goos, c.home, c.env); got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}
