{{- define "argo-cd.name" -}}{{ default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}{{- end }}
{{- define "argo-cd.fullname" -}}
{{- if .Values.fullnameOverride -}}{{ .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else -}}{{- $name := include "argo-cd.name" . -}}
{{- if contains $name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- end }}
{{- define "argo-cd.image" -}}{{ .Values.global.image.repository }}:{{ .Values.global.image.tag | default .Chart.AppVersion }}{{- end }}
{{- /* A workload of the chart: dict "root" . "component" "server" "kind" "Deployment" "replicas" 1 "image" "..." "port" 8080 */ -}}
{{- define "argo-cd.workload" -}}
{{- $root := .root -}}
{{- $name := printf "%s-%s" (include "argo-cd.fullname" $root) .component -}}
apiVersion: apps/v1
kind: {{ .kind }}
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    app.kubernetes.io/name: {{ $name }}
    app.kubernetes.io/component: {{ .component }}
    app.kubernetes.io/instance: {{ $root.Release.Name }}
    app.kubernetes.io/part-of: argocd
spec:
  replicas: {{ .replicas }}
  {{- if eq .kind "StatefulSet" }}
  serviceName: {{ $name }}
  {{- end }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ $name }}
      app.kubernetes.io/instance: {{ $root.Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ $name }}
        app.kubernetes.io/component: {{ .component }}
        app.kubernetes.io/instance: {{ $root.Release.Name }}
        app.kubernetes.io/part-of: argocd
      annotations:
        checksum/cmd-params: {{ toYaml $root.Values.configs.params | sha256sum }}
    spec:
      serviceAccountName: {{ include "argo-cd.fullname" $root }}-{{ .component }}
      {{- with $root.Values.global.nodeSelector }}
      nodeSelector: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.global.tolerations }}
      tolerations: {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ .image }}
          {{- with .args }}
          args: {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: {{ .portName | default "http" }}
              containerPort: {{ .port }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "argo-cd.fullname" $root }}-{{ .component }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    app.kubernetes.io/component: {{ .component }}
    app.kubernetes.io/part-of: argocd
{{- end }}
