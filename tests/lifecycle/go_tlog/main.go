// Verifies the log from /checkpoint and /tile/... with golang.org/x/mod's sumdb packages:
// the checkpoint's signature (sumdb/note), an inclusion proof for one entry and, given an
// earlier size and root, a consistency proof (sumdb/tlog), reading tiles through TileReader.
//
// Usage: go_tlog BASE_URL VKEY INDEX [OLD_SIZE OLD_ROOT_BASE64]
package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func get(url string) []byte {
	request, err := http.NewRequest("GET", url, nil)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	// Entry bundles are for regulators: the test passes a regulator's token.
	if token := os.Getenv("TLOG_TOKEN"); token != "" {
		request.Header.Set("Authorization", "Token "+token)
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil || response.StatusCode != 200 {
		fail("GET %s: %d %v", url, response.StatusCode, err)
	}
	return body
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// c2spPath turns sumdb's "tile/8/L/N[.p/W]" into tlog-tiles' "tile/L/N[.p/W]".
func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

type reader struct{ base string }

func (r reader) Height() int { return 8 }

func (r reader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = get(r.base + "/" + c2spPath(t))
	}
	return out, nil
}

func (r reader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func main() {
	base, vkey := os.Args[1], os.Args[2]
	index, _ := strconv.ParseInt(os.Args[3], 10, 64)
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("vkey: %v", err)
	}
	signed, err := note.Open(get(base+"/checkpoint"), note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(signed.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	rootBytes, _ := base64.StdEncoding.DecodeString(lines[2])
	var root tlog.Hash
	copy(root[:], rootBytes)
	hashes := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, reader{base})

	width := size - index/256*256
	if width > 256 {
		width = 256
	}
	bundle := tlog.Tile{H: 8, L: -1, N: index / 256, W: int(width)}
	data := get(base + "/tile/entries/" + strings.TrimPrefix(bundle.Path(), "tile/8/data/"))
	var entry []byte
	for i := int64(0); i <= index%256; i++ {
		length := int(data[0])<<8 | int(data[1])
		entry, data = data[2:2+length], data[2+length:]
	}
	proof, err := tlog.ProveRecord(size, index, hashes)
	if err != nil {
		fail("inclusion proof from tiles: %v", err)
	}
	if err := tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry)); err != nil {
		fail("inclusion: %v", err)
	}
	fmt.Printf("inclusion ok: %d in %d\n", index, size)
	if len(os.Args) > 5 {
		old, _ := strconv.ParseInt(os.Args[4], 10, 64)
		oldBytes, _ := base64.StdEncoding.DecodeString(os.Args[5])
		var oldRoot tlog.Hash
		copy(oldRoot[:], oldBytes)
		treeProof, err := tlog.ProveTree(size, old, hashes)
		if err != nil {
			fail("consistency proof from tiles: %v", err)
		}
		if err := tlog.CheckTree(treeProof, size, root, old, oldRoot); err != nil {
			fail("consistency: %v", err)
		}
		fmt.Printf("consistency ok: %d to %d\n", old, size)
	}
}
