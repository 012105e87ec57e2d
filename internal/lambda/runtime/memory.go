package runtime

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// Memory limit without a memory cgroup: the watchdog samples the resident
// memory of the sandbox's processes (the runtime and its descendants) and
// kills the sandbox when it exceeds MemorySize, which the caller then sees
// as AWS reports an out-of-memory kill: Runtime.ExitError "Runtime exited
// with error: signal: killed", and Runtime.OutOfMemory in the REPORT line.
// RLIMIT_DATA (set by the init) bounds what a process can allocate between
// two samples.
//
// It samples often while the instance initializes or runs an invocation,
// and rarely while it waits for the next one.
const (
	memBusyEvery = 10 * time.Millisecond
	memIdleEvery = 100 * time.Millisecond
	// maxSampled bounds the processes summed per sample.
	maxSampled = 256
)

var pageSize = int64(os.Getpagesize())

func (i *instance) watchMemory(limit int64) {
	t := time.NewTimer(memBusyEvery)
	defer t.Stop()
	for {
		select {
		case <-i.exited:
			return
		case <-t.C:
		}
		rss := treeRSS(i.runtimePID())
		if rss > i.peakRSS.Load() {
			i.peakRSS.Store(rss)
		}
		if rss > limit {
			i.oom.Store(true)
			i.m.cfg.Log.Info("lambda: function exceeded its memory", "function", i.spec.FunctionName, "memory_mb", i.spec.MemoryMB, "rss_mb", rss>>20)
			i.kill()
			return
		}
		i.mu.Lock()
		busy := i.st == stStarted || i.st == stRunning
		i.mu.Unlock()
		if busy {
			t.Reset(memBusyEvery)
		} else {
			t.Reset(memIdleEvery)
		}
	}
}

// treeRSS is the resident memory of pid and its descendants, in bytes.
func treeRSS(pid int) int64 {
	var total int64
	queue := []int{pid}
	for n := 0; len(queue) > 0 && n < maxSampled; n++ {
		p := queue[0]
		queue = queue[1:]
		total += rss(p)
		queue = append(queue, children(p)...)
	}
	return total
}

// rss reads the resident set of one process from /proc/PID/statm.
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	n, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return n * pageSize
}

// children lists the child processes of pid (all its threads').
func children(pid int) []int {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + e.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range bytes.Fields(b) {
			if c, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
