package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Prompter asks the person at the terminal.
type Prompter interface {
	// Line asks for a visible answer.
	Line(prompt string) (string, error)
	// Secret asks without echo.
	Secret(prompt string) (string, error)
}

// ErrNoTerminal means there is nobody to ask.
var ErrNoTerminal = errors.New("no terminal")

// TTY prompts on the controlling terminal (/dev/tty), so standard input
// and output stay free (kubectl reads the plugin's standard output).
type TTY struct{}

func openTTY() (*os.File, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, ErrNoTerminal
	}
	if !term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, ErrNoTerminal
	}
	return f, nil
}

// Available says whether a terminal can be opened.
func (TTY) Available() bool {
	f, err := openTTY()
	if err == nil {
		f.Close()
	}
	return err == nil
}

// Line implements Prompter.
func (TTY) Line(prompt string) (string, error) {
	f, err := openTTY()
	if err != nil {
		return "", err
	}
	defer f.Close()
	fmt.Fprint(f, prompt)
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// Secret implements Prompter.
func (TTY) Secret(prompt string) (string, error) {
	f, err := openTTY()
	if err != nil {
		return "", err
	}
	defer f.Close()
	fmt.Fprint(f, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(f)
	return string(b), err
}

// readSecretLine reads one line (the password) from r, without the line
// end.
func readSecretLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
