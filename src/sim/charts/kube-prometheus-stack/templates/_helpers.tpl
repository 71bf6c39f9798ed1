{{- define "kps.name" -}}kube-prometheus{{- end }}
{{- define "kps.fullname" -}}
{{- if .Values.fullnameOverride -}}{{ .Values.fullnameOverride | trunc 26 | trimSuffix "-" }}
{{- else -}}{{ printf "%s-%s" .Release.Name (include "kps.name" .) | trunc 26 | trimSuffix "-" }}{{- end -}}
{{- end }}
{{- define "kps.labels" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: kube-prometheus-stack
chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
release: {{ .Release.Name | quote }}
heritage: {{ .Release.Service | quote }}
{{- end }}
