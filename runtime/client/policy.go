package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ParsePrefixes parses a comma-separated list of CIDR ranges or single
// addresses ("169.254.0.0/16, fe80::/10, 10.1.2.3"), as the --client-deny
// and --client-allow flags give them. An empty string gives an empty,
// non-nil list.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	out := []netip.Prefix{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("client: bad address range %q: %w", f, err)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("client: bad address range %q: %w", f, err)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// policy decides which destination addresses may be connected to.
type policy struct {
	deny, allow []netip.Prefix
}

// allowed reports whether a may be connected to: Allow wins over Deny.
func (p *policy) allowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, r := range p.allow {
		if r.Contains(a) {
			return true
		}
	}
	for _, r := range p.deny {
		if r.Contains(a) {
			return false
		}
	}
	return true
}

// control is the net.Dialer ControlContext hook: it runs for every
// connection after the address is resolved and before connect(2), so no
// packet reaches a denied address.
func (p *policy) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q", ErrDenied, address)
	}
	if !p.allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrDenied, ap.Addr())
	}
	return nil
}

// connectTimeoutKey carries a request's connect timeout to the dialer in
// the request's context (the transport keeps context values for dials).
type connectTimeoutKey struct{}

// dialer resolves host names with the configured resolver and connects
// through a net.Dialer whose Control hook applies the policy.
type dialer struct {
	policy   *policy
	resolver Resolver
	timeout  time.Duration
}

func (d *dialer) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		r := d.resolver
		if r == nil {
			r = net.DefaultResolver
		}
		ips, err = r.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
	}
	timeout := d.timeout
	if t, ok := ctx.Value(connectTimeoutKey{}).(time.Duration); ok && t > 0 {
		timeout = t
	}
	nd := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, ControlContext: d.policy.control}
	var first error
	for _, ip := range ips {
		c, err := nd.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil || errors.Is(first, ErrDenied) && !errors.Is(err, ErrDenied) {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}
