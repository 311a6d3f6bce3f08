// Command gen-docs writes what is generated from the command tree: the Markdown reference
// (`make docs`), the man pages (`make man`) and the shell completions the packages install
// (`make completions`). Tests keep the checked-in reference and man pages current.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/nimbusctl/nimbusctl/pkg/cli"
	"github.com/nimbusctl/nimbusctl/pkg/cli/cmdutil"
	"github.com/nimbusctl/nimbusctl/pkg/cli/docgen"
	"github.com/nimbusctl/nimbusctl/pkg/output"
)

func main() {
	markdown := flag.String("markdown", "", "write the Markdown reference to this folder (docs/reference)")
	man := flag.String("man", "", "write the man pages to this folder (docs/man)")
	completions := flag.String("completions", "", "write the bash, zsh, fish and PowerShell completions to this folder")
	gz := flag.Bool("gzip", false, "write the man pages gzipped (nimbusctl.1.gz), as packages install them")
	flag.Parse()
	if err := run(*markdown, *man, *completions, *gz); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

func run(markdown, man, completions string, gz bool) error {
	if markdown == "" && man == "" && completions == "" {
		return fmt.Errorf("nothing to do: give -markdown, -man or -completions")
	}
	if markdown != "" {
		if err := write(markdown, "nimbusctl*.md", docgen.Markdown(root())); err != nil {
			return err
		}
	}
	if man != "" {
		pages, err := docgen.Man(root())
		if err != nil {
			return err
		}
		glob := "nimbusctl*.1"
		if gz {
			if pages, err = gzipped(pages); err != nil {
				return err
			}
			glob += ".gz"
		}
		if err := write(man, glob, pages); err != nil {
			return err
		}
	}
	if completions != "" {
		files, err := docgen.Completions(root())
		if err != nil {
			return err
		}
		if err := write(completions, "nimbusctl*", files); err != nil {
			return err
		}
	}
	return nil
}

// root is a fresh command tree built from an empty environment, so NIMBUSCTL_OUTPUT & co.
// never leak into what is generated.
func root() *cobra.Command {
	ios, _, _, _ := output.Test()
	return cli.NewRootCmd(cli.NewFactory(ios, cmdutil.BuildInfo{Version: "dev"}, func(string) string { return "" }))
}

// write replaces the files matching glob in dir with files.
func write(dir, glob string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, glob))
	for _, o := range old {
		if _, keep := files[filepath.Base(o)]; !keep {
			os.Remove(o)
		}
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %d files to %s\n", len(files), dir)
	return nil
}

// gzipped compresses each file and adds .gz to its name. The gzip header carries no name and
// no time, so the same page always gives the same bytes.
func gzipped(files map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for name, body := range files {
		var b bytes.Buffer
		w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(body)); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		out[name+".gz"] = b.String()
	}
	return out, nil
}
