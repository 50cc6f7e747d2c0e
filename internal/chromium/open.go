package chromium

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Open opens url in a headless tab of browser (see Path) with a window of
// width x height, and returns the tab's context and a function that lists
// the URLs the tab has fetched, so a test can check that a page loads
// nothing from elsewhere. Extra allocator options come last. Everything
// closes when t ends; the tab gives up after 90 s.
func Open(t *testing.T, browser, url string, width, height int, extra ...chromedp.ExecAllocatorOption) (context.Context, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var fetched []string
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true))
	opts = append(opts, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			fetched = append(fetched, e.Request.URL)
			mu.Unlock()
		}
	}))
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("loading %s in %s: %v", url, browser, err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(fetched)
	}
}
