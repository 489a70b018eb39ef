// Command ledgercheck reads a Confederal ledger over HTTP with Go's reference
// transparency-log code (golang.org/x/mod/sumdb/note and tlog), which nobody
// on this project wrote, and reports what it could verify as JSON.
//
// Usage: ledgercheck -prefix URL -vkey KEY -api URL [-samples N]
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type report struct {
	Origin             string `json:"origin"`
	Size               int64  `json:"size"`
	NoteVerified       bool   `json:"note_verified"`
	ForeignKeyRejected bool   `json:"foreign_key_rejected"`
	TreeHashMatches    bool   `json:"tree_hash_matches"`
	RecordsChecked     int64  `json:"records_checked"`
	RecordsMatching    int64  `json:"records_matching"`
	TilesChecked       int    `json:"tiles_checked"`
	TilesIdentical     int    `json:"tiles_identical"`
	GoInclusionOK      int    `json:"go_inclusion_ok"`
	APIInclusionOK     int    `json:"api_inclusion_ok"`
	GoConsistencyOK    int    `json:"go_consistency_ok"`
	APIConsistencyOK   int    `json:"api_consistency_ok"`
	ProofsTried        int    `json:"proofs_tried"`
	TamperedRejected   bool   `json:"tampered_rejected"`
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("GET %s: status %d, %v", url, resp.StatusCode, err)
	}
	return body
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "ledgercheck: "+format+"\n", args...)
	os.Exit(1)
}

// c2spPath turns Go's sumdb tile path (tile/8/L/N…, tile/8/data/N…) into the
// C2SP tlog-tiles path, which leaves out the fixed height.
func c2spPath(t tlog.Tile) string {
	p := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
	return strings.Replace(p, "tile/data/", "tile/entries/", 1)
}

type httpTiles struct{ prefix string }

func (h httpTiles) Height() int { return 8 }

func (h httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = get(h.prefix + "/" + c2spPath(t))
		if len(out[i]) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s has %d bytes", c2spPath(t), len(out[i]))
		}
	}
	return out, nil
}

func (h httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func parseCheckpoint(text string) (string, tlog.Tree) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		fail("checkpoint has %d lines", len(lines))
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	h, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root: %v", err)
	}
	return lines[0], tlog.Tree{N: n, Hash: h}
}

func decodeHashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := tlog.ParseHash(s)
		if err != nil {
			fail("bad hash %q: %v", s, err)
		}
		out[i] = h
	}
	return out
}

func main() {
	prefix := flag.String("prefix", "", "ledger URL prefix")
	vkey := flag.String("vkey", "", "ledger verifier key")
	api := flag.String("api", "", "node API base for this ledger, e.g. http://host/api/ledgers/slug")
	samples := flag.Int64("samples", 100, "how many proofs of each kind to try")
	flag.Parse()

	var rep report
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	raw := get(*prefix + "/checkpoint")
	opened, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint note: %v", err)
	}
	rep.NoteVerified = true
	origin, tree := parseCheckpoint(opened.Text)
	rep.Origin, rep.Size = origin, tree.N

	// A key with the same name but other key material must not open the note.
	_, foreign, _ := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), verifier.Name())
	otherVerifier, _ := note.NewVerifier(foreign)
	_, err = note.Open(raw, note.VerifierList(otherVerifier))
	rep.ForeignKeyRejected = err != nil

	// Hashes read through TileHashReader are authenticated against the signed root.
	thr := tlog.TileHashReader(tree, httpTiles{*prefix})
	th, err := tlog.TreeHash(tree.N, thr)
	rep.TreeHashMatches = err == nil && th == tree.Hash

	// Re-derive every stored hash from the entries themselves.
	var stored []tlog.Hash
	local := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for start := int64(0); start < tree.N; start += 256 {
		width := tree.N - start
		if width > 256 {
			width = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: start / 256, W: int(width)}
		bundle := get(*prefix + "/" + c2spPath(t))
		indexes := make([]int64, 0, width)
		for n := start; n < start+width; n++ {
			indexes = append(indexes, tlog.StoredHashIndex(0, n))
		}
		served, err := thr.ReadHashes(indexes)
		if err != nil {
			fail("reading leaf hashes from tiles: %v", err)
		}
		for n := start; n < start+width; n++ {
			if len(bundle) < 2 {
				fail("bundle for entry %d is short", n)
			}
			size := int(binary.BigEndian.Uint16(bundle))
			entry := bundle[2 : 2+size]
			bundle = bundle[2+size:]
			hashes, err := tlog.StoredHashes(n, entry, local)
			if err != nil {
				fail("stored hashes: %v", err)
			}
			stored = append(stored, hashes...)
			rep.RecordsChecked++
			if served[n-start] == tlog.RecordHash(entry) {
				rep.RecordsMatching++
			}
		}
	}
	if mine, err := tlog.TreeHash(tree.N, local); err != nil || mine != tree.Hash {
		rep.TreeHashMatches = false
	}
	for _, t := range tlog.NewTiles(8, 0, tree.N) {
		rep.TilesChecked++
		mine, err := tlog.ReadTileData(t, local)
		if err == nil && bytes.Equal(mine, get(*prefix+"/"+c2spPath(t))) {
			rep.TilesIdentical++
		}
	}

	step := tree.N / *samples
	if step == 0 {
		step = 1
	}
	for n := int64(0); n < tree.N; n += step {
		rep.ProofsTried++
		leaf := stored[tlog.StoredHashIndex(0, n)]
		if p, err := tlog.ProveRecord(tree.N, n, thr); err == nil && tlog.CheckRecord(p, tree.N, tree.Hash, n, leaf) == nil {
			rep.GoInclusionOK++
		}
		var inc struct {
			Proof []string `json:"proof"`
			Root  string   `json:"root"`
		}
		if json.Unmarshal(get(fmt.Sprintf("%s/proofs/inclusion?index=%d", *api, n)), &inc) == nil {
			if tlog.CheckRecord(decodeHashes(inc.Proof), tree.N, tree.Hash, n, leaf) == nil {
				rep.APIInclusionOK++
			}
		}
		old := n + 1
		oldHash, err := tlog.TreeHash(old, local)
		if err != nil {
			fail("tree hash at %d: %v", old, err)
		}
		if p, err := tlog.ProveTree(tree.N, old, thr); err == nil && tlog.CheckTree(p, tree.N, tree.Hash, old, oldHash) == nil {
			rep.GoConsistencyOK++
		}
		var cons struct {
			Proof   []string `json:"proof"`
			OldRoot string   `json:"old_root"`
		}
		if json.Unmarshal(get(fmt.Sprintf("%s/proofs/consistency?old=%d", *api, old)), &cons) == nil {
			served, _ := base64.StdEncoding.DecodeString(cons.OldRoot)
			if bytes.Equal(served, oldHash[:]) && tlog.CheckTree(decodeHashes(cons.Proof), tree.N, tree.Hash, old, oldHash) == nil {
				rep.APIConsistencyOK++
			}
		}
	}

	if tree.N > 1 {
		p, err := tlog.ProveRecord(tree.N, 0, thr)
		if err == nil && len(p) > 0 {
			p[0][0] ^= 1
			rep.TamperedRejected = tlog.CheckRecord(p, tree.N, tree.Hash, 0, stored[0]) != nil
		}
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(out))
}
