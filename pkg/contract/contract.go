// Package contract embeds the published API definitions nimbusctl is built against: the
// official Power Platform connector swaggers of Luware Nimbus and nps.today (MIT-licensed, from
// github.com/microsoft/PowerPlatformConnectors, certified-connectors/). They are the contract:
// the emulator validates every request against them and tests check the clients cover them.
package contract

import _ "embed"

// NimbusSwagger is certified-connectors/Luware Nimbus/apiDefinition.swagger.json.
//
//go:embed nimbus.connector.swagger.json
var NimbusSwagger []byte

// NPSTodaySwagger is certified-connectors/nps.today/apiDefinition.swagger.json.
//
//go:embed npstoday.connector.swagger.json
var NPSTodaySwagger []byte
