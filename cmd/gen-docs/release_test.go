package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// release is the part of .goreleaser.yaml these tests read.
type release struct {
	Before struct{ Hooks []string }
	Builds []struct {
		ID, Main string
	}
	Archives []struct {
		IDs   []string
		Files []any
	}
	NFPMs []struct {
		IDs      []string
		Formats  []string
		Contents []struct {
			Src, Dst, Packager string
		}
	} `yaml:"nfpms"`
	Casks   []map[string]any `yaml:"homebrew_casks"`
	Scoops  []map[string]any
	Winget  []map[string]any
	Dockers []struct {
		IDs        []string
		Dockerfile string
		Platforms  []string
	} `yaml:"dockers_v2"`
	SBOMs []map[string]any `yaml:"sboms"`
}

func readRelease(t *testing.T) release {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var r release
	if err := yaml.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReleaseConfig checks .goreleaser.yaml without running GoReleaser (slow, and it needs
// the network): the files its hook makes with this program go where the packages and
// archives take them from, every package manager gets the binary, man pages and completions,
// nothing is published by accident, and the image is the distroless non-root one.
func TestReleaseConfig(t *testing.T) {
	r := readRelease(t)
	hook := "go run ./cmd/gen-docs -completions build/completions -man build/man -gzip"
	if !contains(r.Before.Hooks, hook) {
		t.Errorf("before hooks %q lack %q", r.Before.Hooks, hook)
	}
	// nimbusctl sandbox runs nimbusctl-sandbox from nimbusctl's folder: every package and
	// archive carries both; the image, made for CI jobs, only nimbusctl.
	builds := map[string]string{}
	for _, b := range r.Builds {
		builds[b.ID] = b.Main
	}
	if builds["nimbusctl"] != "./cmd/nimbusctl" || builds["nimbusctl-sandbox"] != "./cmd/nimbusctl-sandbox" {
		t.Errorf("builds %v", builds)
	}
	if len(r.NFPMs) != 1 {
		t.Fatalf("%d nfpms, want 1", len(r.NFPMs))
	}
	n := r.NFPMs[0]
	both := []string{"nimbusctl", "nimbusctl-sandbox"}
	if !slices.Equal(n.IDs, both) || len(r.Archives) != 1 || !slices.Equal(r.Archives[0].IDs, both) {
		t.Errorf("packages %v and archives %+v must hold both programs", n.IDs, r.Archives)
	}
	for _, f := range []string{"deb", "rpm", "apk"} {
		if !contains(n.Formats, f) {
			t.Errorf("nfpm formats %v lack %s", n.Formats, f)
		}
	}
	want := map[string]string{ // dst -> src, for every packager unless the key says
		"/usr/share/man/man1/":                                "build/man/*.1.gz",
		"/usr/share/bash-completion/completions/nimbusctl":    "build/completions/nimbusctl.bash",
		"/usr/share/fish/vendor_completions.d/nimbusctl.fish": "build/completions/nimbusctl.fish",
		"deb:/usr/share/zsh/vendor-completions/_nimbusctl":    "build/completions/nimbusctl.zsh",
		"rpm:/usr/share/zsh/site-functions/_nimbusctl":        "build/completions/nimbusctl.zsh",
		"apk:/usr/share/zsh/site-functions/_nimbusctl":        "build/completions/nimbusctl.zsh",
	}
	got := map[string]string{}
	for _, c := range n.Contents {
		key := c.Dst
		if c.Packager != "" {
			key = c.Packager + ":" + c.Dst
		}
		got[key] = c.Src
	}
	for dst, src := range want {
		if got[dst] != src {
			t.Errorf("nfpm contents: %s comes from %q, want %q", dst, got[dst], src)
		}
	}
	// The hook's output matches those globs.
	dir := t.TempDir()
	if err := run("", filepath.Join(dir, "build", "man"), filepath.Join(dir, "build", "completions"), true); err != nil {
		t.Fatal(err)
	}
	for _, src := range want {
		if m, _ := filepath.Glob(filepath.Join(dir, src)); len(m) == 0 {
			t.Errorf("gen-docs writes nothing that matches %s", src)
		}
	}

	archived := ""
	for _, a := range r.Archives {
		for _, f := range a.Files {
			if m, ok := f.(map[string]any); ok {
				archived += m["src"].(string) + " "
			}
		}
	}
	for _, src := range []string{"build/man/*.1.gz", "build/completions/*"} {
		if !strings.Contains(archived, src) {
			t.Errorf("the archives lack %s", src)
		}
	}

	for kind, pubs := range map[string][]map[string]any{"homebrew_casks": r.Casks, "scoops": r.Scoops, "winget": r.Winget} {
		if len(pubs) != 1 || pubs[0]["skip_upload"] != true {
			t.Errorf("%s: want one, with skip_upload: true (publishing needs credentials), got %v", kind, pubs)
		}
	}
	if len(r.SBOMs) == 0 {
		t.Error("no sboms")
	}

	if len(r.Dockers) != 1 || !slices.Equal(r.Dockers[0].IDs, []string{"nimbusctl"}) {
		t.Fatalf("images %+v, want one, of nimbusctl", r.Dockers)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", r.Dockers[0].Dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, line := range []string{
		"FROM gcr.io/distroless/static-debian12:nonroot\n", // CA certificates, tzdata, a non-root user; no shell
		"COPY $TARGETPLATFORM/nimbusctl /usr/bin/nimbusctl\n",
		"USER nonroot:nonroot\n",
		`ENTRYPOINT ["/usr/bin/nimbusctl"]` + "\n",
	} {
		if !strings.Contains(df, line) {
			t.Errorf("%s lacks %q", r.Dockers[0].Dockerfile, line)
		}
	}
	if strings.Count("\n"+df, "\nFROM ") != 1 || strings.Contains(df, "\nRUN ") {
		t.Errorf("the image should be one FROM and copies only:\n%s", df)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
