{{- define "jenkins.fullname" -}}
{{- if .Values.fullnameOverride -}}{{ .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else -}}{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- end }}
{{- define "jenkins.selectorLabels" -}}
app.kubernetes.io/component: {{ .Values.controller.componentName }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "jenkins.labels" -}}
app.kubernetes.io/name: jenkins
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{ include "jenkins.selectorLabels" . }}
{{- end }}
{{- define "jenkins.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "jenkins.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end }}
