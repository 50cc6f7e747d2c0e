package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// startChecks starts one active checker per upstream of st whose pool asks
// for checks, with the pool's settings. The caller holds p.mu.
func (p *Proxy) startChecks(st *state) {
	ctx, cancel := context.WithCancel(p.serving)
	p.stopCheck = cancel
	for _, pl := range st.pools {
		if pl.health == nil {
			continue
		}
		client := checkClient(pl.health)
		for _, u := range pl.ups {
			go p.checkLoop(ctx, st.cfg.Mode, pl.health, client, u)
		}
	}
}

// checkClient is the HTTP client of checks with hc's timeout.
func checkClient(hc *scenarios.HealthCheck) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:             nil,
			DisableKeepAlives: true, // each check opens a connection, as a new client would
			DialContext:       (&net.Dialer{Timeout: hc.Timeout.D()}).DialContext,
		},
		Timeout:       hc.Timeout.D(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// checkLoop checks u as hc says, now and then every interval, until ctx
// is done.
func (p *Proxy) checkLoop(ctx context.Context, mode string, hc *scenarios.HealthCheck, client *http.Client, u *upstream) {
	tick := time.NewTicker(hc.Interval.D())
	defer tick.Stop()
	for {
		ok, detail := check(ctx, mode, hc, client, u)
		if ctx.Err() != nil {
			return
		}
		if u.recordCheck(ok, detail, hc) {
			state := "up"
			if !ok {
				state = "down"
				p.state.Load().dropIdle(u)
			}
			p.opts.Log.Warn("server "+state, "server", u.be.Name, "check", detail)
			p.refresh()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// check runs one active check: an HTTP GET in mode http, a connection in
// mode tcp. It returns whether u passed and a short description.
func check(ctx context.Context, mode string, hc *scenarios.HealthCheck, client *http.Client, u *upstream) (bool, string) {
	if mode == scenarios.ModeTCP {
		d := net.Dialer{Timeout: hc.Timeout.D()}
		c, err := d.DialContext(ctx, "tcp", u.addr)
		if err != nil {
			return false, err.Error()
		}
		c.Close()
		return true, "connected"
	}
	target := *u.url
	target.Path = hc.Path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("User-Agent", "lbsim-health-check")
	resp, err := client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	ok := resp.StatusCode == hc.Status || (hc.Status == 0 && resp.StatusCode >= 200 && resp.StatusCode < 400)
	detail := fmt.Sprintf("status %d", resp.StatusCode)
	if !ok || hc.MaxUtilization == 0 {
		return ok, detail
	}
	util, found := utilization(resp.Body)
	switch {
	case !found:
		return true, detail
	case util > hc.MaxUtilization:
		return false, fmt.Sprintf("%s, utilization %g above %g", detail, util, hc.MaxUtilization)
	}
	return true, fmt.Sprintf("%s, utilization %g", detail, util)
}

// maxHealthBody bounds how much of a check's answer is read for its
// utilization.
const maxHealthBody = 64 << 10

// utilization reads a deep health check's answer: a JSON object whose
// "utilization" member is a number, the server's own measure of how busy
// it is, from 0 to 1. An answer that is not such an object has none.
func utilization(body io.Reader) (float64, bool) {
	var answer struct {
		Utilization *float64 `json:"utilization"`
	}
	data, err := io.ReadAll(io.LimitReader(body, maxHealthBody))
	if err != nil || json.Unmarshal(data, &answer) != nil || answer.Utilization == nil {
		return 0, false
	}
	return *answer.Utilization, true
}
