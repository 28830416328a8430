//go:build tools

// Pins the Kubernetes packages whose binaries the tests run (see build.sh): kube-apiserver,
// kube-scheduler, kube-controller-manager, kubelet and kubectl v1.34.4. etcd builds in its own
// module (./etcd).
package tools

import (
	_ "go.etcd.io/etcd/server/v3/embed"
	_ "k8s.io/component-base/cli"
	_ "k8s.io/kubectl/pkg/cmd"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubelet/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)
